import type { Env } from "../env";
import { log } from "../lib/log";
import { deliveryMessages, eventMessages, sendMessages } from "../queue/send";
import { listStalled } from "../store/deliveries";
import { listUnplanned, markPlanningDue } from "../store/events";
import { sweepUnqueued } from "./outbox";

/** A due delivery that has not moved for this long has presumably lost its queue message. */
const STALL_GRACE_MS = 10 * 60_000;
const STALL_BATCH = 100;

/** Re-sends queue messages for deliveries that should be moving but are not; returns how many. */
export async function sweepStalledDeliveries(env: Env, now = Date.now()): Promise<number> {
  const ids = await listStalled(env.DB, now, STALL_GRACE_MS, STALL_BATCH);
  if (ids.length > 0) {
    await sendMessages(env.DELIVERIES_QUEUE, deliveryMessages(ids));
    log("warn", "delivery.sweep", { requeued: ids.length });
  }
  return ids.length;
}

/** A queued event not planned this long after its message was due has presumably lost that message. */
export const PLAN_GRACE_MS = 15 * 60_000;

/** Re-sends planning messages for events that were queued but never planned; returns how many. */
export async function sweepUnplannedEvents(env: Env, now = Date.now()): Promise<number> {
  const ids = await listUnplanned(env.DB, now - PLAN_GRACE_MS, STALL_BATCH);
  if (ids.length > 0) {
    await sendMessages(env.EVENTS_QUEUE, eventMessages(ids));
    await markPlanningDue(env.DB, ids, now);
    log("warn", "plan.sweep", { requeued: ids.length });
  }
  return ids.length;
}

/** Cron: nothing acknowledged may stay stuck, whether its queue send failed or its message was lost. */
export async function sweep(env: Env, now = Date.now()): Promise<void> {
  await sweepUnqueued(env, now);
  await sweepUnplannedEvents(env, now);
  await sweepStalledDeliveries(env, now);
}
