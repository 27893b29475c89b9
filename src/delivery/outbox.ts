import type { Env } from "../env";
import { log } from "../lib/log";
import { eventMessages, sendMessages } from "../queue/send";
import { listUnqueued, markQueued, markUnqueued } from "../store/events";

/**
 * Hands stored events to the queue and records it. The row is written first (the outbox), so a failed send
 * loses nothing: the duplicate path and the cron sweep retry it. Returns false when the queue refused.
 * `storedAsQueued`: the rows were inserted as queued (insertEvent), so only a failure is written.
 */
export async function enqueueEvents(
  env: Env,
  ids: readonly string[],
  options: { storedAsQueued?: boolean } = {},
): Promise<boolean> {
  if (ids.length === 0) return true;
  try {
    await sendMessages(env.EVENTS_QUEUE, eventMessages(ids));
  } catch (error) {
    log("warn", "queue.send_failed", { count: ids.length, error: String(error) });
    if (options.storedAsQueued) {
      // If this write fails too, the planning sweep finds them queued but never planned.
      await markUnqueued(env.DB, ids).catch((markError: unknown) =>
        log("error", "queue.unmark_failed", { count: ids.length, error: String(markError) }),
      );
    }
    return false;
  }
  if (options.storedAsQueued) return true;
  try {
    await markQueued(env.DB, ids, Date.now());
  } catch (error) {
    // The events are queued; only the record of it failed. The sweep may send them again, which planning
    // absorbs (it is idempotent), whereas reporting failure here would tell a vendor its delivery was lost.
    log("warn", "queue.mark_failed", { count: ids.length, error: String(error) });
  }
  return true;
}

/** Grace period before the sweep touches an unqueued event, so it does not race the request still storing it. */
export const SWEEP_GRACE_MS = 30_000;
const SWEEP_BATCH = 500;

/** Cron: queue every stored event whose send failed. Returns how many were queued. */
export async function sweepUnqueued(env: Env, now = Date.now()): Promise<number> {
  const ids = await listUnqueued(env.DB, now - SWEEP_GRACE_MS, SWEEP_BATCH);
  if (ids.length === 0) return 0;
  const ok = await enqueueEvents(env, ids);
  log(ok ? "info" : "error", "outbox.sweep", { found: ids.length, queued: ok ? ids.length : 0 });
  return ok ? ids.length : 0;
}
