import type { RequestSummary, ResponseSummary } from "../membrane/outcome";
import { type EventRow, refreshStatusesWhere } from "./events";
import { DELIVERY_PAUSED } from "./pauses";

/** What replaces free texts (status reasons, last errors) of a redacted event: they may echo a vendor's answer. */
export const ERASED_TEXT = "text removed: the event was redacted after an erasure request";
/**
 * True inside an UPDATE for the delivery `id` (an SQL expression) when an erasure redacted its event while the
 * call ran. A delivery holding its event (the erasure's own deletion) sent only the address, which error texts
 * mask anyway, so its errors stay readable for the operator.
 */
const eventRedacted = (
  id: string,
) => `EXISTS (SELECT 1 FROM deliveries AS d JOIN events AS e ON e.id = d.event_id
  WHERE d.id = ${id} AND e.redacted_at IS NOT NULL AND d.held_event_json IS NULL)`;
const EVENT_REDACTED = eventRedacted("?1");

export type DeliveryStatus = "pending" | "in_flight" | "retrying" | "succeeded" | "dead";
export type AttemptOutcome = "success" | "transient" | "permanent" | "unknown";

export interface DeliveryRow {
  id: string;
  event_id: string;
  reaction: string;
  recipe: string;
  connection_id: string;
  status: DeliveryStatus;
  attempts: number;
  retry_base: number;
  next_attempt_at: number | null;
  lease_until: number | null;
  last_error_code: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  entity_key: string | null;
  event_seq: number | null;
  /**
   * The erasure request's own event, kept for its vendor deletion after the local redaction, until the
   * delivery succeeds or dies (src/retention/redact-erasures.ts); NULL otherwise.
   */
  held_event_json: string | null;
  /** What the recipe saved before a call whose outcome was ambiguous, to reconcile on the next attempt. */
  reconcile_state: string | null;
}

export interface PlannedDelivery {
  reaction: string;
  recipe: string;
  connectionId: string;
  /** What the delivery writes upstream (e.g. `order:123`), for per-entity order. */
  entityKey?: string;
  /** Event order: the event's time, epoch ms. */
  eventSeq: number;
}

/**
 * Plans one delivery per reaction; UNIQUE (event_id, reaction) makes a repeat a no-op. Returns every delivery
 * of the event, and brings the event's status up to date from them, all in one D1 round trip.
 */
export async function planDeliveries(
  db: D1Database,
  eventId: string,
  planned: readonly PlannedDelivery[],
  now: number,
): Promise<DeliveryRow[]> {
  const inserts = planned.map((p) =>
    db
      .prepare(
        `INSERT INTO deliveries (id, event_id, reaction, recipe, connection_id, status, created_at, updated_at,
           entity_key, event_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6, ?7, ?8)
         ON CONFLICT (event_id, reaction) DO NOTHING`,
      )
      .bind(
        `${eventId}:${p.reaction}`,
        eventId,
        p.reaction,
        p.recipe,
        p.connectionId,
        now,
        p.entityKey ?? null,
        p.eventSeq,
      ),
  );
  const results = await db.batch<DeliveryRow>([
    ...inserts,
    listDeliveriesStatement(db, eventId),
    refreshStatusesWhere(db, "id = ?1", eventId),
  ]);
  return results[inserts.length]?.results ?? [];
}

const listDeliveriesStatement = (db: D1Database, eventId: string) =>
  db.prepare("SELECT * FROM deliveries WHERE event_id = ?1 ORDER BY reaction").bind(eventId);

export async function listDeliveries(db: D1Database, eventId: string): Promise<DeliveryRow[]> {
  const { results } = await listDeliveriesStatement(db, eventId).all<DeliveryRow>();
  return results;
}

/** The event a delivery holds after its event was redacted (see DeliveryRow.held_event_json), read fresh. */
export async function heldEventJson(db: D1Database, id: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT held_event_json FROM deliveries WHERE id = ?1")
    .bind(id)
    .first<{ held_event_json: string | null }>();
  return row?.held_event_json ?? null;
}

export async function getDelivery(db: D1Database, id: string): Promise<DeliveryRow | null> {
  return db.prepare("SELECT * FROM deliveries WHERE id = ?1").bind(id).first<DeliveryRow>();
}

/** The deliveries of these ids that exist, in one statement. */
export async function getDeliveries(db: D1Database, ids: readonly string[]): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare("SELECT * FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(ids))
    .all<DeliveryRow>();
  return results;
}

/**
 * Takes a due delivery for one attempt and records the attempt before any call goes out, in one batch:
 * a redelivered message, a concurrent consumer or a replay cannot take it twice. Returns the attempt
 * number, or null when the delivery is not claimable (done, dead, not yet due, or held by a live lease).
 * An expired lease is only re-taken when `retakeExpired` (the recipe is idempotent).
 */
export async function claimDelivery(
  db: D1Database,
  id: string,
  options: { now: number; leaseMs: number; retakeExpired: boolean; request: RequestSummary },
): Promise<number | null> {
  const { now } = options;
  const [claim] = await db.batch<{ attempts: number }>([
    db
      .prepare(
        `UPDATE deliveries SET status = 'in_flight', attempts = attempts + 1, lease_until = ?2, updated_at = ?3
         WHERE id = ?1 AND (
           (status IN ('pending', 'retrying') AND (next_attempt_at IS NULL OR next_attempt_at <= ?3))
           OR (status = 'in_flight' AND lease_until < ?3 AND ?4 = 1))
         RETURNING attempts`,
      )
      .bind(id, now + options.leaseMs, now, options.retakeExpired ? 1 : 0),
    // Runs in the same transaction; inserts only if the claim above took effect (lease_until = this claim's).
    db
      .prepare(
        `INSERT INTO attempts (delivery_id, number, started_at, request_summary)
         SELECT id, attempts, ?3, ?4 FROM deliveries WHERE id = ?1 AND status = 'in_flight' AND lease_until = ?2
           AND updated_at = ?3
         ON CONFLICT (delivery_id, number) DO NOTHING`,
      )
      .bind(id, now + options.leaseMs, now, JSON.stringify(options.request)),
  ]);
  const attempts = claim?.results[0]?.attempts;
  return attempts ?? null;
}

/** What an attempt reads of its event. */
export type ClaimedEvent = Pick<EventRow, "id" | "redacted_at" | "event_json">;

/** A delivery taken for an attempt by claimDue, with its event as read in the same transaction. */
export interface DueClaim {
  /** The row as claimed: in flight, `attempts` counting this attempt. */
  delivery: DeliveryRow;
  /** What an attempt reads of it; the raw body, which only `$raw` and dead letters need, is read then. */
  event: ClaimedEvent | null;
}

/**
 * claimDelivery's common case for many deliveries in one D1 round trip: every one that waits (pending or
 * retrying), is due, is not held by a pause and whose reaction is in `requests` (reaction name -> the request
 * summary recorded until the call's own) is taken for one attempt, its attempt row recorded and its event read,
 * in one transaction. The others are left as they are, for the careful one-by-one path (in flight, not due,
 * paused, finished, reaction gone).
 */
export async function claimDue(
  db: D1Database,
  ids: readonly string[],
  options: { now: number; leaseMs: number; requests: Readonly<Record<string, RequestSummary>> },
): Promise<DueClaim[]> {
  if (ids.length === 0) return [];
  const { now } = options;
  const until = now + options.leaseMs;
  const requests = JSON.stringify(
    Object.fromEntries(Object.entries(options.requests).map(([name, r]) => [name, JSON.stringify(r)])),
  );
  // `+status` here and below keeps SQLite on the primary key: without statistics it takes the status index and
  // reads every delivery of that status (test/bench/d1-statements.test.ts bounds the rows read).
  // The rows this claim took: in flight with exactly this lease and time (a concurrent claim cannot match both).
  const taken = `SELECT id FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))
    AND +status = 'in_flight' AND lease_until = ?2 AND updated_at = ?3`;
  const [claimed, , events] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `UPDATE deliveries SET status = 'in_flight', attempts = attempts + 1, lease_until = ?2, updated_at = ?3
         WHERE id IN (SELECT value FROM json_each(?1)) AND +status IN ('pending', 'retrying')
           AND (next_attempt_at IS NULL OR next_attempt_at <= ?3)
           AND reaction IN (SELECT key FROM json_each(?4)) AND NOT ${DELIVERY_PAUSED}
         RETURNING *`,
      )
      .bind(JSON.stringify(ids), until, now, requests),
    db
      .prepare(
        `INSERT INTO attempts (delivery_id, number, started_at, request_summary)
         SELECT id, attempts, ?3, (SELECT value FROM json_each(?4) WHERE key = deliveries.reaction)
         FROM deliveries WHERE id IN (${taken})
         ON CONFLICT (delivery_id, number) DO NOTHING`,
      )
      .bind(JSON.stringify(ids), until, now, requests),
    db
      .prepare(
        `SELECT id, redacted_at, event_json FROM events
         WHERE id IN (SELECT event_id FROM deliveries WHERE id IN (${taken}))`,
      )
      .bind(JSON.stringify(ids), until, now),
  ]);
  const byId = new Map(
    ((events?.results ?? []) as unknown as ClaimedEvent[]).map((event) => [event.id, event] as const),
  );
  return ((claimed?.results ?? []) as unknown as DeliveryRow[]).map((delivery) => ({
    delivery,
    event: byId.get(delivery.event_id) ?? null,
  }));
}

export interface AttemptResult {
  outcome: AttemptOutcome;
  errorCode?: string;
  error?: string;
  request?: RequestSummary;
  response?: ResponseSummary;
  /** Membrane's id of the action run, when the call was an action. */
  actionRunId?: string;
  /** An action's input went out unchecked: no definition could be read (migrations/0012). */
  inputUnchecked?: boolean;
  durationMs: number;
}

/**
 * Finishes an attempt and moves the delivery on: succeeded, retrying at `nextAttemptAt`, or dead. The
 * delivery only moves if this attempt still holds it: a worker that outlived its lease (and was meanwhile
 * replaced) records what its call did but changes nothing else. Returns whether the delivery moved.
 */
export async function recordAttempt(
  db: D1Database,
  id: string,
  attempt: number,
  result: AttemptResult,
  next: {
    status: "succeeded" | "retrying" | "dead";
    nextAttemptAt?: number;
    /** JSON the next attempt reconciles with; absent clears it. */
    reconcileState?: string;
  },
  now: number,
): Promise<boolean> {
  const [, moved] = await db.batch([
    attemptResult(db, [{ id, attempt }], result, now),
    db
      .prepare(
        `UPDATE deliveries SET status = ?2, next_attempt_at = ?3, lease_until = NULL, updated_at = ?4,
           last_error_code = ?5,
           last_error = CASE WHEN ?6 IS NOT NULL AND ${EVENT_REDACTED} THEN '${ERASED_TEXT}' ELSE ?6 END,
           completed_at = CASE WHEN ?2 IN ('succeeded', 'dead') THEN ?4 END,
           held_event_json = CASE WHEN ?2 IN ('succeeded', 'dead') THEN NULL ELSE held_event_json END,
           reconcile_state = ?8
         WHERE id = ?1 AND status = 'in_flight' AND attempts = ?7`,
      )
      .bind(
        id,
        next.status,
        next.nextAttemptAt ?? null,
        now,
        next.status === "succeeded" ? null : (result.errorCode ?? null),
        next.status === "succeeded" ? null : (result.error ?? null),
        attempt,
        next.reconcileState ?? null,
      ),
    // The event's status follows in the same transaction (a no-op when the delivery did not move).
    refreshStatusesWhere(db, "id = (SELECT event_id FROM deliveries WHERE id = ?1)", id),
  ]);
  return (moved?.meta.changes ?? 0) > 0;
}

/** The (delivery id, attempt number) pairs in ?1, a JSON array of `[id, number]`. */
const PAIRS = "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)";

/**
 * Writes one attempt result on each of these attempts. An erasure may have redacted the event while the call
 * ran: then no excerpt of it is kept.
 */
function attemptResult(
  db: D1Database,
  claims: ReadonlyArray<{ id: string; attempt: number }>,
  result: AttemptResult,
  now: number,
): D1PreparedStatement {
  const redacted = eventRedacted("attempts.delivery_id");
  return db
    .prepare(
      `UPDATE attempts SET finished_at = ?2, outcome = ?3, error_code = ?4,
         request_summary = CASE WHEN ${redacted}
           THEN json_remove(COALESCE(?5, request_summary), '$.body') ELSE COALESCE(?5, request_summary) END,
         response_status = ?6, response_excerpt = CASE WHEN ${redacted} THEN NULL ELSE ?7 END,
         duration_ms = ?8, action_run_id = ?9, input_unchecked = ?10
       WHERE (delivery_id, number) IN (${PAIRS})`,
    )
    .bind(
      JSON.stringify(claims.map((c) => [c.id, c.attempt])),
      now,
      result.outcome,
      result.errorCode ?? null,
      result.request ? JSON.stringify(result.request) : null,
      result.response?.status ?? null,
      result.response?.body ?? null,
      result.durationMs,
      result.actionRunId ?? null,
      result.inputUnchecked ? 1 : null,
    );
}

/**
 * recordAttempt for deliveries that one call served with one successful answer (a batched push), in one
 * transaction: each attempt gets the shared result, each delivery still held by its attempt succeeds, and their
 * events' statuses follow. Returns the ids of the deliveries that moved (the others' leases were taken over).
 */
export async function recordSuccesses(
  db: D1Database,
  claims: ReadonlyArray<{ id: string; attempt: number }>,
  result: AttemptResult,
  now: number,
): Promise<Set<string>> {
  if (claims.length === 0) return new Set();
  const pairs = JSON.stringify(claims.map((c) => [c.id, c.attempt]));
  const ids = JSON.stringify(claims.map((c) => c.id));
  const [, moved] = await db.batch<{ id: string }>([
    attemptResult(db, claims, result, now),
    db
      .prepare(
        `UPDATE deliveries SET status = 'succeeded', next_attempt_at = NULL, lease_until = NULL, updated_at = ?2,
           last_error_code = NULL, last_error = NULL, completed_at = ?2, held_event_json = NULL,
           reconcile_state = NULL
         WHERE +status = 'in_flight' AND (id, attempts) IN (${PAIRS})
         RETURNING id`,
      )
      .bind(pairs, now),
    refreshStatusesWhere(
      db,
      "id IN (SELECT event_id FROM deliveries WHERE id IN (SELECT value FROM json_each(?1)))",
      ids,
    ),
  ]);
  return new Set((moved?.results ?? []).map((r) => r.id));
}

/**
 * Extends the lease of deliveries still claimed by this attempt, so a long attempt (a batch narrowing down a
 * rejected record, one paced send after another) is not taken over while it is still working.
 */
export async function extendLeases(db: D1Database, ids: readonly string[], until: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .prepare(
      `UPDATE deliveries SET lease_until = ?2
       WHERE id IN (SELECT value FROM json_each(?1)) AND +status = 'in_flight' AND lease_until < ?2`,
    )
    .bind(JSON.stringify(ids), until)
    .run();
}

/**
 * Closes a waiting delivery without sending it because a newer state of the same entity goes out instead
 * (per-entity order): done, with the reason and code `superseded` kept for operators.
 */
export async function markSuperseded(
  db: D1Database,
  id: string,
  now: number,
  reason: string,
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE deliveries SET status = 'succeeded', updated_at = ?2, completed_at = ?2, next_attempt_at = NULL,
         last_error_code = 'superseded', last_error = ?3
       WHERE id = ?1 AND status IN ('pending', 'retrying')`,
    )
    .bind(id, now, reason)
    .run();
  return result.meta.changes > 0;
}

/** Dead-letters a delivery that is waiting (pending or retrying) without attempting it, e.g. its reaction is gone. */
export async function markWaitingDead(
  db: D1Database,
  id: string,
  now: number,
  code: string,
  reason: string,
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE deliveries SET status = 'dead', updated_at = ?2, completed_at = ?2, last_error_code = ?3, last_error = ?4,
         held_event_json = NULL
       WHERE id = ?1 AND status IN ('pending', 'retrying')`,
    )
    .bind(id, now, code, reason)
    .run();
  return result.meta.changes > 0;
}

/**
 * Keeps what a recipe read before a non-idempotent call (its reconciliation baseline), written before the call
 * goes out, so a worker lost mid-call leaves it for the next attempt. Only while this attempt holds it.
 */
export async function saveReconcileState(
  db: D1Database,
  id: string,
  attempt: number,
  /** null: nothing to check (the call about to go out cannot be checked later). */
  state: string | null,
): Promise<void> {
  await db
    .prepare(
      "UPDATE deliveries SET reconcile_state = ?3 WHERE id = ?1 AND status = 'in_flight' AND attempts = ?2",
    )
    .bind(id, attempt, state)
    .run();
}

/** Dead-letters a delivery whose non-idempotent call may have gone out unrecorded (lost worker). */
export async function markOutcomeUnknown(
  db: D1Database,
  id: string,
  now: number,
  reason: string,
): Promise<boolean> {
  const [update] = await db.batch([
    db
      .prepare(
        `UPDATE deliveries SET status = 'dead', lease_until = NULL, updated_at = ?2, completed_at = ?2,
           last_error_code = 'outcome_unknown', last_error = ?3, held_event_json = NULL
         WHERE id = ?1 AND status = 'in_flight' AND lease_until < ?2`,
      )
      .bind(id, now, reason),
    db
      .prepare(
        `UPDATE attempts SET outcome = 'unknown', error_code = 'outcome_unknown', finished_at = ?2
         WHERE delivery_id = ?1 AND outcome IS NULL`,
      )
      .bind(id, now),
  ]);
  return (update?.meta.changes ?? 0) > 0;
}

/**
 * Deliveries whose queue message may be lost: due long ago but not running, or holding an expired lease.
 * Paused ones are waiting on purpose (resuming re-sends them), so they do not crowd out the others.
 */
export async function listStalled(
  db: D1Database,
  now: number,
  graceMs: number,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM deliveries
       WHERE ((status IN ('pending', 'retrying') AND COALESCE(next_attempt_at, updated_at) < ?1)
          OR (status = 'in_flight' AND lease_until < ?2))
         AND NOT ${DELIVERY_PAUSED}
       ORDER BY updated_at LIMIT ?3`,
    )
    .bind(now - graceMs, now, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}
