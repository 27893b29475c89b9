import { ERASED_TEXT, WAITING_BY_STATUS } from "./deliveries";
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
  dedupe_hash: string | null;
  event_json: string;
  status: EventStatus;
  received_at: number;
}

/**
 * Erasure requests whose redaction is still to do and is due: all their reactions succeeded (status done),
 * or they were received before `dueBefore` (the grace period is over, whatever the vendors answered). Never
 * tried first, then the least recently tried, so requests that keep waiting take turns instead of blocking
 * later ones. One marked unreadable is only tried again once `retryUnreadableBefore` has passed its last try.
 */
export async function listErasuresToRedact(
  db: D1Database,
  limit: number,
  retryUnreadableBefore: number,
  dueBefore: number,
): Promise<PendingErasure[]> {
  const { results } = await db
    .prepare(
      `SELECT id, vendor, dedupe_key, dedupe_hash, event_json, status, received_at FROM events
       WHERE type = '${ERASURE}' AND redacted_at IS NULL AND (status = 'done' OR received_at <= ?3)
         AND (coalesce(status_reason, '') NOT LIKE '${UNREADABLE}%' OR redaction_attempted_at <= ?2)
       ORDER BY redaction_attempted_at, received_at LIMIT ?1`,
    )
    .bind(limit, retryUnreadableBefore, dueBefore)
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
  dedupe_hash: string | null;
  /** The canonical e-mail the event is about (lower-case), if any: not necessarily the person's. */
  email: string | null;
  status: EventStatus;
  received_at: number;
  event_json: string;
  /** 1 when the event's canonical e-mail or customer id is the person's; 0 when its raw body only names the address. */
  owned: number;
}

/**
 * The forms an address takes in a raw body, lower-case: as is, and JSON-escaped (`\u0040` for the @, `\/`
 * for a slash), which a vendor's encoder may emit. Searched anywhere in the body, so an address padded with
 * spaces or inside a longer text is found too.
 */
export function rawBodyForms(email: string): string[] {
  const plain = email.trim().toLowerCase();
  const forms = new Set([plain]);
  for (const form of [...forms]) forms.add(form.replaceAll("@", "\\u0040"));
  for (const form of [...forms]) forms.add(form.replaceAll("/", "\\/"));
  return [...forms];
}

/**
 * Unredacted events about or mentioning the person, oldest first: by canonical e-mail, by customer id on the
 * erasure's vendor, or with the address (any case, padded, escaped or inside a longer text: rawBodyForms) in
 * a raw body still kept. The raw bodies are searched with instr(), not LIKE: no wildcards to escape and no
 * pattern length limit (D1 caps LIKE patterns at 50 bytes). Other erasure requests are left out: each is
 * redacted by its own run.
 */
export async function findPersonEvents(
  db: D1Database,
  person: Person,
  erasureId: string,
  limit: number,
): Promise<PersonEventRow[]> {
  const { results } = await db
    .prepare(
      `SELECT id, type, dedupe_key, dedupe_hash, status, received_at, event_json, ${PERSON_EMAIL} AS email,
         coalesce(${PERSON_EMAIL} = ?1 OR (vendor = ?2 AND ${PERSON_ID} = ?3), 0) AS owned
       FROM events
       WHERE redacted_at IS NULL AND (type <> '${ERASURE}' OR id = ?4) AND id IN (
         SELECT id FROM events WHERE ${PERSON_EMAIL} = ?1
         UNION ALL SELECT id FROM events WHERE vendor = ?2 AND ${PERSON_ID} = ?3
         UNION ALL SELECT id FROM events WHERE raw_body IS NOT NULL
           AND EXISTS (SELECT 1 FROM json_each(?5) WHERE instr(lower(raw_body), value) > 0))
       ORDER BY received_at LIMIT ?6`,
    )
    .bind(
      person.email,
      person.vendor,
      person.customerId ?? null,
      erasureId,
      JSON.stringify(rawBodyForms(person.email)),
      limit,
    )
    .all<PersonEventRow>();
  return results;
}

export interface EventRedaction {
  id: string;
  /** The redacted CloudEvent. */
  eventJson: string;
  /** Its subject, for the `subject` column (searched by the admin API). */
  subject: string | null;
  /** The erased person's e-mail hash for an event of theirs; null for someone else's event that named them. */
  emailHash: string | null;
  /** The key's replacement when it names the person; null keeps it. */
  dedupeKey: string | null;
  /** Keyed hash of the key as received, for rows stored before ingress wrote it (migrations/0006). */
  dedupeHash: string;
  /**
   * The erasure request's own, unredacted event: kept on its deliveries that have not succeeded or died yet
   * (the vendor deletion still needs the address); null for every other event. Those deliveries sent only
   * the address, which error texts mask, so their last errors stay for the operator.
   */
  heldEventJson: string | null;
}

/** The one fixed status reason (src/store/events.ts refreshEventStatuses), kept since it names nobody. */
const DEAD_LETTERED = "a reaction was dead-lettered";

/**
 * Writes redacted events: the raw delivery goes, the CloudEvent (and its subject column) and a de-duplication
 * key naming the person are replaced (its keyed hash stays, for de-duplication), the event's free-text status reason and its
 * deliveries' last errors are replaced (a vendor's answer may echo names), and the request and response
 * excerpts of every attempt made for the event are dropped. Only events of the person are marked redacted; an
 * event that merely named them stays open to its own owner's erasure later. A key or hash already taken on
 * the route (by a retry stored again before ingress wrote hashes) is made unique or left unset, rather than
 * failing the erasure.
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
               email_hash = ?4, subject = ?7,
               dedupe_key = CASE WHEN ?5 IS NULL THEN dedupe_key
                 WHEN EXISTS (SELECT 1 FROM events x WHERE x.route = events.route AND x.dedupe_key = ?5)
                 THEN ?5 || ':' || id ELSE ?5 END,
               dedupe_hash = coalesce(dedupe_hash, (SELECT ?6 WHERE NOT EXISTS
                 (SELECT 1 FROM events x WHERE x.route = events.route AND x.dedupe_hash = ?6))),
               status_reason = CASE WHEN status_reason IS NULL OR status_reason = '${DEAD_LETTERED}'
                 THEN status_reason ELSE '${ERASED_TEXT}' END
             WHERE id = ?1 AND redacted_at IS NULL`,
          )
          .bind(
            r.id,
            r.eventJson,
            r.emailHash === null ? null : now,
            r.emailHash,
            r.dedupeKey,
            r.dedupeHash,
            r.subject,
          ),
        db
          .prepare(
            `UPDATE deliveries SET
               last_error = CASE WHEN last_error IS NULL OR ?2 IS NOT NULL THEN last_error ELSE '${ERASED_TEXT}' END,
               held_event_json = CASE WHEN ?2 IS NOT NULL AND status NOT IN ('succeeded', 'dead') THEN ?2 END
             WHERE event_id = ?1`,
          )
          .bind(r.id, r.heldEventJson),
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

export interface ReleasedDelivery {
  id: string;
  event_id: string;
  reaction: string;
  connection_id: string;
  attempts: number;
  /** True when the delivery was still waiting and is now dead for it. */
  died: number;
}

/** Why a deletion delivery died when its hold ran out (docs/operating.md "Retention and erasure"). */
export const ERASED_BEFORE_SENT = "erased locally before the vendor deletion could be sent";

/**
 * The hard bound on a held address: deliveries of events redacted before `redactedBefore` drop the event they
 * hold; one still waiting (pending or retrying) dies with ERASED_BEFORE_SENT. One in flight keeps running with
 * what its worker already read, and is finished as usual.
 */
export async function releaseHeldDeliveries(
  db: D1Database,
  redactedBefore: number,
  now: number,
  limit: number,
): Promise<ReleasedDelivery[]> {
  const { results } = await db
    .prepare(
      `UPDATE deliveries SET held_event_json = NULL,
         status = CASE WHEN ${WAITING_BY_STATUS} THEN 'dead' ELSE status END,
         last_error_code = CASE WHEN ${WAITING_BY_STATUS} THEN 'erased_locally' ELSE last_error_code END,
         last_error = CASE WHEN ${WAITING_BY_STATUS} THEN ?3 ELSE last_error END,
         completed_at = CASE WHEN ${WAITING_BY_STATUS} THEN ?2 ELSE completed_at END,
         updated_at = ?2
       WHERE id IN (SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id
                    WHERE d.held_event_json IS NOT NULL AND e.redacted_at < ?1 LIMIT ?4)
       RETURNING id, event_id, reaction, connection_id, attempts,
         status = 'dead' AND last_error_code = 'erased_locally' AS died`,
    )
    .bind(redactedBefore, now, ERASED_BEFORE_SENT, limit)
    .all<ReleasedDelivery>();
  return results;
}
