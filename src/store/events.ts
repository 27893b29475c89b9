import type { StoredEvent } from "../events/cloudevent";
import type { VerificationStatus } from "../events/verification";

export type EventStatus =
  | "accepted"
  | "queued"
  | "processing"
  | "done"
  | "failed"
  | "unrecognized"
  | "rejected";
export type EventVerification = VerificationStatus | "confirmed" | "not_genuine";

export interface NewEvent {
  event: StoredEvent;
  route: string;
  dedupeKey: string;
  /** Keyed hash of `dedupeKey` (src/ingress/dedupe-key.ts): still matches once an erasure redacted the key. */
  dedupeHash: string;
  verification: VerificationStatus;
  receivedAt: number;
  rawBody: string;
  rawHeaders: Record<string, string>;
  /** Keyed hash of the e-mail the event is about (migrations/0010), for finding it by e-mail. */
  searchEmailHash?: string;
  /** Stored as handed to the queue at this time (the caller sends it next; see insertEvent). */
  queuedAt?: number;
}

export interface EventRow {
  id: string;
  route: string;
  vendor: string;
  dedupe_key: string;
  /** Keyed hash of the key as received (migrations/0006); NULL on rows stored before it. */
  dedupe_hash: string | null;
  type: string;
  vendor_event_type: string | null;
  subject: string | null;
  status: EventStatus;
  status_reason: string | null;
  verification: EventVerification;
  received_at: number;
  queued_at: number | null;
  event_json: string;
  raw_body: string | null;
  raw_headers: string;
  /** Set once a completed erasure request removed the person's data (src/retention/). */
  redacted_at: number | null;
  email_hash: string | null;
  /** Keyed hash of the e-mail the event is about, written at ingest (migrations/0010). */
  search_email_hash?: string | null;
  /** Last time the erasure job tried to carry out this erasure request (migrations/0005). */
  redaction_attempted_at: number | null;
}

export type InsertResult = { inserted: true; id: string } | { inserted: false; id: string; queued: boolean };

/**
 * Stores a delivery exactly once per (route, dedupe key). Concurrent identical deliveries race on the
 * UNIQUE constraints inside D1's single writer: exactly one insert wins, the others read the winner's id.
 * The key's keyed hash has its own UNIQUE index, so a retry of a delivery whose key an erasure redacted
 * conflicts in the same INSERT: no extra query for fresh deliveries.
 *
 * With `queuedAt` the event is stored as queued: its caller hands it to the queue right away and calls
 * `markUnqueued` if that fails, so the hot path writes once; were the worker lost in between, the planning
 * sweep (listUnplanned) finds the event queued but never planned.
 */
export async function insertEvent(db: D1Database, e: NewEvent): Promise<InsertResult> {
  const queuedAt = e.queuedAt ?? null;
  const status: EventStatus =
    e.event.type === "hookbridge.unrecognized" ? "unrecognized" : queuedAt === null ? "accepted" : "queued";
  const row = await db
    .prepare(
      `INSERT INTO events (id, route, vendor, dedupe_key, type, vendor_event_type, subject, status, verification,
         received_at, event_json, raw_body, raw_headers, dedupe_hash, search_email_hash, queued_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
       ON CONFLICT DO NOTHING
       RETURNING id`,
    )
    .bind(
      e.event.id,
      e.route,
      e.event.vendor,
      e.dedupeKey,
      e.event.type,
      e.event.vendoreventtype ?? null,
      e.event.subject ?? null,
      status,
      e.verification,
      e.receivedAt,
      JSON.stringify(e.event),
      e.rawBody,
      JSON.stringify(e.rawHeaders),
      e.dedupeHash,
      e.searchEmailHash ?? null,
      queuedAt,
    )
    .first<{ id: string }>();
  if (row) return { inserted: true, id: row.id };

  const existing = await db
    .prepare(
      `SELECT id, queued_at FROM events WHERE route = ?1 AND dedupe_key = ?2
       UNION ALL SELECT id, queued_at FROM events WHERE route = ?1 AND dedupe_hash = ?3 LIMIT 1`,
    )
    .bind(e.route, e.dedupeKey, e.dedupeHash)
    .first<{ id: string; queued_at: number | null }>();
  if (!existing) throw new Error("event conflict reported but no row found");
  return { inserted: false, id: existing.id, queued: existing.queued_at !== null };
}

/**
 * Replaces an unrecognized event with its re-normalized, recognized form (operator replay after a
 * normalizer learned the payload). Back to `accepted` and unqueued, so the outbox queues it for planning.
 * False when the event is no longer unrecognized.
 */
export async function recognizeEvent(db: D1Database, event: StoredEvent): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE events SET type = ?2, vendor_event_type = ?3, subject = ?4, event_json = ?5,
         status = 'accepted', status_reason = NULL, queued_at = NULL
       WHERE id = ?1 AND status = 'unrecognized'`,
    )
    .bind(event.id, event.type, event.vendoreventtype ?? null, event.subject ?? null, JSON.stringify(event))
    .run();
  return result.meta.changes > 0;
}

/** Records that the queue accepted the event id; the sweep stops considering it. */
export async function markQueued(db: D1Database, ids: readonly string[], at: number): Promise<void> {
  if (ids.length === 0) return;
  await db.batch(
    ids.map((id) =>
      db
        .prepare(
          `UPDATE events SET queued_at = ?2,
             status = CASE WHEN status = 'accepted' THEN 'queued' ELSE status END
           WHERE id = ?1 AND queued_at IS NULL`,
        )
        .bind(id, at),
    ),
  );
}

/** The queue refused events stored as queued: the outbox sweep (listUnqueued) sends them again. */
export async function markUnqueued(db: D1Database, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .prepare(
      `UPDATE events SET queued_at = NULL,
         status = CASE WHEN status = 'queued' THEN 'accepted' ELSE status END
       WHERE id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(ids))
    .run();
}

/** Events stored but never handed to the queue, older than `olderThan` (so in-flight requests are left alone). */
export async function listUnqueued(db: D1Database, olderThan: number, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      "SELECT id FROM events WHERE queued_at IS NULL AND received_at <= ?1 ORDER BY received_at LIMIT ?2",
    )
    .bind(olderThan, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/**
 * Events handed to the queue whose planning never happened: their message was lost (e.g. dead-lettered after
 * the consumer failed repeatedly). `queued_at` is when the current planning message is due, so an event
 * whose confirmation is legitimately being retried later is not picked up early.
 */
export async function listUnplanned(db: D1Database, dueBefore: number, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM events WHERE status IN ('accepted', 'queued') AND queued_at IS NOT NULL AND queued_at <= ?1
       ORDER BY queued_at LIMIT ?2`,
    )
    .bind(dueBefore, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Records when the event's (re)sent planning message is due. */
export async function markPlanningDue(db: D1Database, ids: readonly string[], at: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .prepare(
      `UPDATE events SET queued_at = ?2
       WHERE id IN (SELECT value FROM json_each(?1)) AND +status IN ('accepted', 'queued')`,
    )
    .bind(JSON.stringify(ids), at)
    .run();
}

export async function getEvent(db: D1Database, id: string): Promise<EventRow | null> {
  return db.prepare("SELECT * FROM events WHERE id = ?1").bind(id).first<EventRow>();
}

/** The events of these ids that exist, in one statement. */
export async function getEvents(db: D1Database, ids: readonly string[]): Promise<EventRow[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare("SELECT * FROM events WHERE id IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(ids))
    .all<EventRow>();
  return results;
}

/** The vendor's body as received, while it is kept (null after retention or an erasure). */
export async function getRawBody(db: D1Database, id: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT raw_body FROM events WHERE id = ?1")
    .bind(id)
    .first<{ raw_body: string | null }>();
  return row?.raw_body ?? null;
}

export async function setEventStatus(
  db: D1Database,
  id: string,
  status: EventStatus,
  reason: string | null = null,
): Promise<void> {
  await db
    .prepare("UPDATE events SET status = ?2, status_reason = ?3 WHERE id = ?1")
    .bind(id, status, reason)
    .run();
}

export async function setVerification(
  db: D1Database,
  id: string,
  verification: EventVerification,
): Promise<void> {
  await db.prepare("UPDATE events SET verification = ?2 WHERE id = ?1").bind(id, verification).run();
}

/**
 * Derives an event's status from its deliveries: failed when any is dead, done when all succeeded,
 * processing otherwise. Events that never react (unrecognized, rejected) keep their status.
 */
export async function refreshEventStatus(db: D1Database, id: string): Promise<void> {
  await refreshEventStatuses(db, [id]);
}

/** `refreshEventStatus` for many events in one statement (admin bulk retry). */
export async function refreshEventStatuses(db: D1Database, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await refreshStatusesWhere(db, "id IN (SELECT value FROM json_each(?1))", JSON.stringify(ids)).run();
}

/**
 * The status refresh of the events selected by `where` (bound to `param` as ?1), as a statement to put in a
 * caller's batch: the event's status then moves in the same transaction as its deliveries.
 */
export function refreshStatusesWhere(db: D1Database, where: string, param: string): D1PreparedStatement {
  return db
    .prepare(
      // `+status` keeps the "any dead?" test on the deliveries' event_id index, not every dead delivery.
      `UPDATE events SET
         status = CASE
           WHEN EXISTS (SELECT 1 FROM deliveries WHERE event_id = events.id AND +status = 'dead') THEN 'failed'
           WHEN NOT EXISTS (SELECT 1 FROM deliveries WHERE event_id = events.id AND status <> 'succeeded')
           THEN 'done'
           ELSE 'processing' END,
         status_reason = CASE
           WHEN EXISTS (SELECT 1 FROM deliveries WHERE event_id = events.id AND +status = 'dead')
           THEN 'a reaction was dead-lettered' END
       WHERE ${where} AND status NOT IN ('unrecognized', 'rejected')`,
    )
    .bind(param);
}
