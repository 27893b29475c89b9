import type { DeliveryRow, DeliveryStatus } from "./deliveries";

/**
 * A dead delivery whose last call may have been applied although its answer was lost (the engine's
 * `outcome_unknown`, only for non-idempotent recipes such as adding stamps). Running it again could apply
 * it twice, so operator retries leave it alone unless forced, once someone has checked the vendor.
 */
export function isOutcomeUnknown(row: Pick<DeliveryRow, "status" | "last_error_code">): boolean {
  return row.status === "dead" && row.last_error_code === "outcome_unknown";
}

/**
 * Puts deliveries back to pending, due now, for an operator's retry or replay. Only rows still in one of
 * `from` are touched (so a delivery that moved meanwhile is left alone), and dead ones with an unknown
 * outcome only when `outcomeUnknown` says so; `retry_base = attempts` restarts the retry schedule, while the
 * attempt count and history are kept. Returns the rows reset.
 */
export async function resetDeliveries(
  db: D1Database,
  ids: readonly string[],
  options: { from: readonly DeliveryStatus[]; outcomeUnknown: boolean; now: number },
): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(
      `UPDATE deliveries SET status = 'pending', retry_base = attempts, next_attempt_at = NULL,
         lease_until = NULL, completed_at = NULL, updated_at = ?3
       WHERE id IN (SELECT value FROM json_each(?1)) AND +status IN (SELECT value FROM json_each(?2))
         AND (?4 OR NOT (status = 'dead' AND last_error_code IS 'outcome_unknown'))
       RETURNING *`,
    )
    .bind(JSON.stringify(ids), JSON.stringify(options.from), options.now, options.outcomeUnknown ? 1 : 0)
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
  /** true: only deliveries whose outcome is unknown; false: none of them; unset: both. */
  outcomeUnknown?: boolean;
  /** Only deliveries that died with this `last_error_code` (the dashboard's dead letter groups). */
  code?: string;
}

/** The WHERE clause of a selection; ?1 to ?6 are bound by `selectionParams`. */
const SELECTED = `deliveries.status = 'dead' AND events.redacted_at IS NULL
  AND (?1 IS NULL OR events.route = ?1) AND (?2 IS NULL OR deliveries.reaction = ?2)
  AND (?3 IS NULL OR events.received_at >= ?3) AND (?4 IS NULL OR events.received_at < ?4)
  AND (?5 IS NULL OR (deliveries.last_error_code IS 'outcome_unknown') = ?5)
  AND (?6 IS NULL OR deliveries.last_error_code = ?6)`;

const selectionParams = (selection: DeadSelection) => [
  selection.route ?? null,
  selection.reaction ?? null,
  selection.from ?? null,
  selection.to ?? null,
  selection.outcomeUnknown === undefined ? null : selection.outcomeUnknown ? 1 : 0,
  selection.code ?? null,
];

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
       WHERE ${SELECTED}
       ORDER BY deliveries.updated_at, deliveries.id
       LIMIT ?7`,
    )
    .bind(...selectionParams(selection), limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** How many dead deliveries match `selection` (the same rows `listDeadDeliveries` would list). */
export async function countDeadDeliveries(db: D1Database, selection: DeadSelection): Promise<number> {
  const row = await db
    .prepare(
      `SELECT COUNT(*) AS n FROM deliveries JOIN events ON events.id = deliveries.event_id WHERE ${SELECTED}`,
    )
    .bind(...selectionParams(selection))
    .first<{ n: number }>();
  return row?.n ?? 0;
}
