import type { EventStatus } from "./events";

// Whom an event is about. These must stay the exact expressions indexed in migrations/0004_retention.sql
// (events_person_email, events_person_id), or the lookups below turn into table scans.
const PERSON_EMAIL =
  "coalesce(json_extract(event_json, '$.data.email'), json_extract(event_json, '$.data.customer.email'))";
const PERSON_ID =
  "coalesce(json_extract(event_json, '$.data.customer_id'), json_extract(event_json, '$.data.customer.id'))";

const ERASURE = "customer.erasure_requested";
/** Start of the status_reason of an erasure request whose data cannot be read (no LIKE wildcards in it). */
const UNREADABLE = "erasure request unreadable";

/** Events written per D1 batch (two statements each). */
const WRITE_CHUNK = 50;

export interface PendingErasure {
  id: string;
  vendor: string;
  dedupe_key: string;
  event_json: string;
}

/**
 * Erasure requests whose reactions all succeeded (status done) and whose redaction is still to do: never
 * tried first, then the least recently tried, so requests that keep waiting take turns instead of blocking
 * later ones. One marked unreadable is only tried again once `retryUnreadableBefore` has passed its last try.
 */
export async function listErasuresToRedact(
  db: D1Database,
  limit: number,
  retryUnreadableBefore: number,
): Promise<PendingErasure[]> {
  const { results } = await db
    .prepare(
      `SELECT id, vendor, dedupe_key, event_json FROM events
       WHERE type = '${ERASURE}' AND redacted_at IS NULL AND status = 'done'
         AND (coalesce(status_reason, '') NOT LIKE '${UNREADABLE}%' OR redaction_attempted_at <= ?2)
       ORDER BY redaction_attempted_at, received_at LIMIT ?1`,
    )
    .bind(limit, retryUnreadableBefore)
    .all<PendingErasure>();
  return results;
}

/**
 * Records that the cron is trying these erasure requests now, before any work, so one whose work fails still
 * goes to the back of the line. The mark of an earlier unreadable try is cleared; it is set again if it
 * still applies.
 */
export async function markRedactionAttempted(
  db: D1Database,
  ids: readonly string[],
  now: number,
): Promise<void> {
  await db
    .prepare(
      `UPDATE events SET redaction_attempted_at = ?2,
         status_reason = CASE WHEN status_reason LIKE '${UNREADABLE}%' THEN NULL ELSE status_reason END
       WHERE id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(ids), now)
    .run();
}

/**
 * Marks an erasure request whose data cannot be read (so whom to erase is unknown). Its status stays done:
 * its reactions did succeed. `details` must not hold personal data.
 */
export async function markErasureUnreadable(db: D1Database, id: string, details: string): Promise<void> {
  await db
    .prepare("UPDATE events SET status_reason = ?2 WHERE id = ?1")
    .bind(id, `${UNREADABLE}: ${details}`)
    .run();
}

export interface Person {
  /** Lower-case, as in canonical data. */
  email: string;
  /** The customer id the erasure names, which identifies the person only on its own vendor's routes. */
  vendor: string;
  customerId?: string | undefined;
}

export interface PersonEventRow {
  id: string;
  type: string;
  dedupe_key: string;
  /** The canonical e-mail the event is about (lower-case), if any: not necessarily the person's. */
  email: string | null;
  status: EventStatus;
  received_at: number;
  event_json: string;
  /** 1 when the event's canonical e-mail or customer id is the person's; 0 when its raw body only names the address. */
  owned: number;
}

/**
 * Unredacted events about or mentioning the person, oldest first: by canonical e-mail, by customer id on the
 * erasure's vendor, or with the address as a JSON string in a raw body still kept. The raw bodies are searched
 * with instr(), not LIKE: no wildcards to escape and no pattern length limit (D1 caps LIKE patterns at 50
 * bytes). Other erasure requests are left out: each is redacted by its own run, once its reactions succeeded.
 */
export async function findPersonEvents(
  db: D1Database,
  person: Person,
  erasureId: string,
  limit: number,
): Promise<PersonEventRow[]> {
  const { results } = await db
    .prepare(
      `SELECT id, type, dedupe_key, status, received_at, event_json, ${PERSON_EMAIL} AS email,
         coalesce(${PERSON_EMAIL} = ?1 OR (vendor = ?2 AND ${PERSON_ID} = ?3), 0) AS owned
       FROM events
       WHERE redacted_at IS NULL AND (type <> '${ERASURE}' OR id = ?4) AND id IN (
         SELECT id FROM events WHERE ${PERSON_EMAIL} = ?1
         UNION ALL SELECT id FROM events WHERE vendor = ?2 AND ${PERSON_ID} = ?3
         UNION ALL SELECT id FROM events WHERE raw_body IS NOT NULL AND instr(lower(raw_body), ?5) > 0)
       ORDER BY received_at LIMIT ?6`,
    )
    .bind(
      person.email,
      person.vendor,
      person.customerId ?? null,
      erasureId,
      JSON.stringify(person.email),
      limit,
    )
    .all<PersonEventRow>();
  return results;
}

export interface EventRedaction {
  id: string;
  /** The redacted CloudEvent. */
  eventJson: string;
  /** The erased person's e-mail hash for an event of theirs; null for someone else's event that named them. */
  emailHash: string | null;
  /** The key's replacement when it names the person; null keeps it. */
  dedupeKey: string | null;
}

/**
 * Writes redacted events: the raw delivery goes, the CloudEvent and a de-duplication key naming the person
 * are replaced, and the request and response excerpts of every attempt made for the event are dropped. Only
 * events of the person are marked redacted; an event that merely named them stays open to its own owner's
 * erasure later.
 */
export async function writeRedactions(
  db: D1Database,
  redactions: readonly EventRedaction[],
  now: number,
): Promise<void> {
  for (let start = 0; start < redactions.length; start += WRITE_CHUNK) {
    const chunk = redactions.slice(start, start + WRITE_CHUNK);
    await db.batch(
      chunk.flatMap((r) => [
        db
          .prepare(
            `UPDATE events SET raw_body = NULL, raw_headers = '{}', event_json = ?2, redacted_at = ?3,
               email_hash = ?4, dedupe_key = coalesce(?5, dedupe_key)
             WHERE id = ?1 AND redacted_at IS NULL`,
          )
          .bind(r.id, r.eventJson, r.emailHash === null ? null : now, r.emailHash, r.dedupeKey),
        db
          .prepare(
            `UPDATE attempts SET request_summary = json_remove(request_summary, '$.body'),
               response_excerpt = NULL, bodies_removed_at = coalesce(bodies_removed_at, ?2)
             WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id = ?1)`,
          )
          .bind(r.id, now),
      ]),
    );
  }
}
