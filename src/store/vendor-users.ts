/**
 * Vendor user ids by person (migrations/0013_vendor_users.sql): one row per connection, scope and keyed hash
 * of the e-mail. Written when a delivery finds or creates the user, read before it looks the card up.
 */
export interface VendorUserKey {
  connectionId: string;
  scope: string;
  personHash: string;
}

export async function rememberedUser(db: D1Database, key: VendorUserKey): Promise<string | undefined> {
  const row = await db
    .prepare("SELECT user_id FROM vendor_users WHERE connection_id = ?1 AND scope = ?2 AND person_hash = ?3")
    .bind(key.connectionId, key.scope, key.personHash)
    .first<{ user_id: string }>();
  return row?.user_id;
}

export async function rememberUser(
  db: D1Database,
  key: VendorUserKey,
  userId: string,
  now: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO vendor_users (connection_id, scope, person_hash, user_id, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (connection_id, scope, person_hash) DO UPDATE SET user_id = ?4, updated_at = ?5
       WHERE user_id <> ?4`,
    )
    .bind(key.connectionId, key.scope, key.personHash, userId, now)
    .run();
}

export async function forgetUser(db: D1Database, key: VendorUserKey): Promise<void> {
  await db
    .prepare("DELETE FROM vendor_users WHERE connection_id = ?1 AND scope = ?2 AND person_hash = ?3")
    .bind(key.connectionId, key.scope, key.personHash)
    .run();
}

/** An erased person's rows, on every connection (src/retention/redact-erasures.ts). */
export async function forgetPerson(db: D1Database, personHash: string): Promise<void> {
  await db.prepare("DELETE FROM vendor_users WHERE person_hash = ?1").bind(personHash).run();
}
