import { leaseRunOut, PAUSED, WAITING, WAITING_BY_STATUS } from "./state";

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
       WHERE id = ?1 AND ${WAITING}`,
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
       WHERE id = ?1 AND ${WAITING}`,
    )
    .bind(id, now, code, reason)
    .run();
  return result.meta.changes > 0;
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
         WHERE id = ?1 AND ${leaseRunOut("?2")}`,
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
       WHERE ((${WAITING_BY_STATUS} AND COALESCE(next_attempt_at, updated_at) < ?1)
          OR (status = 'in_flight' AND lease_until < ?2))
         AND NOT ${PAUSED}
       ORDER BY updated_at LIMIT ?3`,
    )
    .bind(now - graceMs, now, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}
