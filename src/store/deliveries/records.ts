import type { RequestSummary, ResponseSummary } from "../../membrane/outcome";
import { refreshStatusesWhere } from "../events";
import { ERASED_TEXT, EVENT_REDACTED, eventRedacted } from "./state";

export type AttemptOutcome = "success" | "transient" | "permanent" | "unknown";

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
 * Keeps what a recipe read before a non-idempotent call (its reconciliation baseline), written before the call
 * goes out, so a worker lost mid-call leaves it for the next attempt. Only while this attempt holds it.
 */
export async function saveReconcileState(
  db: D1Database,
  id: string,
  attempt: number,
  /** null: nothing to check (the call about to go out cannot be checked later). */
  state: string | null,
): Promise<boolean> {
  const result = await db
    .prepare(
      "UPDATE deliveries SET reconcile_state = ?3 WHERE id = ?1 AND status = 'in_flight' AND attempts = ?2",
    )
    .bind(id, attempt, state)
    .run();
  // False: another worker took the delivery over (this lease ran out): this attempt must send nothing more.
  return result.meta.changes > 0;
}

/**
 * A connection recovered (its breaker closed, or it was resumed): its retrying deliveries are due now
 * instead of at the end of their backoff. The lane spreads them over its pace (lane/recovery.ts).
 */
export async function pullRetriesForward(db: D1Database, connection: string, now: number): Promise<number> {
  const result = await db
    .prepare(
      `UPDATE deliveries SET next_attempt_at = ?2
       WHERE connection_id = ?1 AND status = 'retrying' AND next_attempt_at > ?2`,
    )
    .bind(connection, now)
    .run();
  return result.meta.changes;
}
