import type { Reaction } from "../../config/reactions";
import { log } from "../../lib/log";
import { markSuperseded } from "../../store/deliveries";
import { refreshEventStatus } from "../../store/events";
import type { Claim } from "../attempt/claim-together";
import { runBatch } from "../attempt/run-batch";
import { runDelivery } from "../attempt/run-delivery";
import type { DeliveryStep } from "../attempt/step";
import type { DeliveryContext } from "../context";
import type { LaneItem, LaneWork } from "./work";

/** Runs one unit a round started: a batch of a batching reaction's deliveries, or one delivery. */
export async function runUnit(
  ctx: DeliveryContext,
  reaction: Reaction | undefined,
  items: readonly LaneItem[],
  /** Waits for the connection's next pace slot (a batch narrowing down a rejected record sends again). */
  nextSlot: () => Promise<void>,
  /** How a single delivery is claimed (with the others its round starts: claim-together.ts). */
  claim?: Claim,
): Promise<Map<string, DeliveryStep>> {
  const ids = items.map((i) => i.deliveryId);
  if (reaction?.recipe.batch && ids.length > 0) return runBatch(ctx, reaction, ids, nextSlot);
  const id = ids[0] ?? "";
  return new Map([[id, await runDelivery(ctx, { deliveryId: id }, claim)]]);
}

/**
 * Closes waiting deliveries of these reactions whose entity has a newer state waiting or already sent, without
 * sending them: done, code `superseded`, so they never hold the newer one up.
 */
export async function closeSuperseded(
  ctx: DeliveryContext,
  work: LaneWork,
  reactions: readonly string[],
  limit: number,
): Promise<void> {
  for (const item of work.superseded(reactions, limit)) {
    const reason = `superseded: a newer state of ${item.entity} is sent instead, so this older one is not sent after it`;
    await markSuperseded(ctx.env.DB, item.deliveryId, Date.now(), reason);
    await refreshEventStatus(ctx.env.DB, item.eventId);
    work.remove(item.deliveryId);
    log("info", "lane.superseded", { delivery_id: item.deliveryId, entity: item.entity });
  }
}
