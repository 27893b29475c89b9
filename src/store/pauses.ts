export type PauseKind = "route" | "connection";

export interface PauseRow {
  kind: PauseKind;
  name: string;
  paused_at: number;
}

/**
 * SQL condition, true when the `deliveries` row in scope is held by a pause of its connection or of its
 * event's route. Shared by the engine's check, the stalled-delivery sweep and resume, so they agree.
 */
export const DELIVERY_PAUSED = `EXISTS (
  SELECT 1 FROM pauses
  WHERE (pauses.kind = 'connection' AND pauses.name = deliveries.connection_id)
     OR (pauses.kind = 'route' AND pauses.name = (SELECT route FROM events WHERE events.id = deliveries.event_id)))`;

/** Pauses a route or connection; pausing again keeps the original time. Returns the pause and whether it is new. */
export async function addPause(
  db: D1Database,
  kind: PauseKind,
  name: string,
  now: number,
): Promise<{ pause: PauseRow; created: boolean }> {
  const created = await db
    .prepare(
      `INSERT INTO pauses (kind, name, paused_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (kind, name) DO NOTHING RETURNING *`,
    )
    .bind(kind, name, now)
    .first<PauseRow>();
  if (created) return { pause: created, created: true };
  const existing = await getPause(db, kind, name);
  if (!existing) throw new Error("pause conflict reported but no row found");
  return { pause: existing, created: false };
}

/** Lifts a pause; null when there was none. */
export async function removePause(db: D1Database, kind: PauseKind, name: string): Promise<PauseRow | null> {
  return db
    .prepare("DELETE FROM pauses WHERE kind = ?1 AND name = ?2 RETURNING *")
    .bind(kind, name)
    .first<PauseRow>();
}

export async function getPause(db: D1Database, kind: PauseKind, name: string): Promise<PauseRow | null> {
  return db.prepare("SELECT * FROM pauses WHERE kind = ?1 AND name = ?2").bind(kind, name).first<PauseRow>();
}

export async function listPauses(db: D1Database): Promise<PauseRow[]> {
  const { results } = await db.prepare("SELECT * FROM pauses ORDER BY kind, name").all<PauseRow>();
  return results;
}

/** Whether a delivery must wait for an operator to resume its connection or route. */
export async function isDeliveryPaused(db: D1Database, deliveryId: string): Promise<boolean> {
  const row = await db
    .prepare(`SELECT ${DELIVERY_PAUSED} AS paused FROM deliveries WHERE id = ?1`)
    .bind(deliveryId)
    .first<{ paused: number }>();
  return row?.paused === 1;
}

/**
 * Deliveries held back by the pause of `kind`/`name` that can run now that it is lifted: waiting
 * (pending or retrying) and not still held by another pause. At most `limit`, oldest first.
 */
export async function listReleased(
  db: D1Database,
  kind: PauseKind,
  name: string,
  limit: number,
): Promise<string[]> {
  const scope =
    kind === "connection"
      ? "deliveries.connection_id = ?1"
      : "deliveries.event_id IN (SELECT id FROM events WHERE route = ?1)";
  const { results } = await db
    .prepare(
      `SELECT id FROM deliveries
       WHERE ${scope} AND status IN ('pending', 'retrying') AND NOT ${DELIVERY_PAUSED}
       ORDER BY created_at, id LIMIT ?2`,
    )
    .bind(name, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}
