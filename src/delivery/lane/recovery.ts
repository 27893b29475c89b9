import type { Reaction } from "../../config/reactions";
import { log } from "../../lib/log";
import { pullRetriesForward } from "../../store/deliveries";
import type { DeliveryContext } from "../context";
import { paceInterval } from "./round";
import type { LaneWork } from "./work";

/** The longest a recovered connection's retries are spread over. */
const MAX_SPREAD_MS = 60_000;

/**
 * Over how long `waiting` retries are spread once their connection recovered: one slot of its slowest paced
 * reaction each (the lane's pace still decides when each goes), at least a second, at most a minute.
 */
export function recoverySpread(waiting: number, reactions: readonly Reaction[]): number {
  const slowest = Math.max(0, ...reactions.flatMap((r) => (r.pace ? [paceInterval(r.pace)] : [])));
  return Math.min(MAX_SPREAD_MS, Math.max(1_000, waiting * slowest));
}

/**
 * A connection recovered (its breaker closed, or it was resumed): its retrying deliveries, which would
 * otherwise wait out their backoff (up to hours), become due now in D1 and within the spread in the lane.
 */
export async function pullForward(
  ctx: DeliveryContext,
  work: LaneWork,
  connection: string,
  now: number,
): Promise<void> {
  const reactions = ctx.config.reactions.filter((r) => r.connection === connection);
  const waiting = work.dueLater(now);
  if (waiting === 0) return;
  await pullRetriesForward(ctx.env.DB, connection, now);
  const moved = work.pullForward(now, recoverySpread(waiting, reactions));
  log("info", "lane.recovered", { connection, retries_pulled_forward: moved });
}
