import type { Env } from "../env";
import { log } from "../lib/log";
import { listStalled } from "../store/deliveries";
import { sweepUnqueued } from "./outbox";

/** A due delivery that has not moved for this long has presumably lost its queue message. */
const STALL_GRACE_MS = 10 * 60_000;
const STALL_BATCH = 100;

/** Re-sends queue messages for deliveries that should be moving but are not; returns how many. */
export async function sweepStalledDeliveries(env: Env, now = Date.now()): Promise<number> {
  const ids = await listStalled(env.DB, now, STALL_GRACE_MS, STALL_BATCH);
  if (ids.length > 0) {
    await env.DELIVERIES_QUEUE.sendBatch(ids.map((deliveryId) => ({ body: { deliveryId } })));
    log("warn", "delivery.sweep", { requeued: ids.length });
  }
  return ids.length;
}

/** Cron: nothing acknowledged may stay stuck, whether its queue send failed or its message was lost. */
export async function sweep(env: Env, now = Date.now()): Promise<void> {
  await sweepUnqueued(env, now);
  await sweepStalledDeliveries(env, now);
}
