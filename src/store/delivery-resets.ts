import type { DeliveryRow, DeliveryStatus } from "./deliveries";

/**
 * Puts deliveries back to pending, due now, for an operator's retry or replay. Only rows still in one of
 * `from` are touched (so a delivery that moved meanwhile is left alone); `retry_base = attempts` restarts
 * the retry schedule, while the attempt count and history are kept. Returns the rows reset.
 */
export async function resetDeliveries(
  db: D1Database,
  ids: readonly string[],
  from: readonly DeliveryStatus[],
  now: number,
): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(
      `UPDATE deliveries SET status = 'pending', retry_base = attempts, next_attempt_at = NULL,
         lease_until = NULL, completed_at = NULL, updated_at = ?3
       WHERE id IN (SELECT value FROM json_each(?1)) AND status IN (SELECT value FROM json_each(?2))
       RETURNING *`,
    )
    .bind(JSON.stringify(ids), JSON.stringify(from), now)
    .all<DeliveryRow>();
  return results;
}

export interface DeadSelection {
  route?: string;
  reaction?: string;
  /** The event was received at or after (epoch ms). */
  from?: number;
  /** The event was received before (epoch ms). */
  to?: number;
}

/**
 * Ids of dead deliveries matching `selection`, the longest dead first, at most `limit`. Deliveries of
 * events redacted after an erasure request are left out: they can never run again.
 */
export async function listDeadDeliveries(
  db: D1Database,
  selection: DeadSelection,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT deliveries.id FROM deliveries JOIN events ON events.id = deliveries.event_id
       WHERE deliveries.status = 'dead' AND events.redacted_at IS NULL
         AND (?1 IS NULL OR events.route = ?1) AND (?2 IS NULL OR deliveries.reaction = ?2)
         AND (?3 IS NULL OR events.received_at >= ?3) AND (?4 IS NULL OR events.received_at < ?4)
       ORDER BY deliveries.updated_at, deliveries.id
       LIMIT ?5`,
    )
    .bind(
      selection.route ?? null,
      selection.reaction ?? null,
      selection.from ?? null,
      selection.to ?? null,
      limit,
    )
    .all<{ id: string }>();
  return results.map((r) => r.id);
}
