import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { PLAN_GRACE_MS, sweepUnplannedEvents } from "../../src/delivery/sweep";
import type { Env } from "../../src/env";
import { markPlanningDue } from "../../src/store/events";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import { recordingQueue } from "../support/recording-queue";
import { storeUnqueued } from "../support/stored-events";

const bridgeEnv: Env = env;

/** An event that was handed to the queue at `queuedAt` and never planned (its message was lost). */
async function queuedButNeverPlanned(id: string, queuedAt: number): Promise<string> {
  const eventId = await storeUnqueued("kooomo", { ...orderPaid, id }, { receivedAt: queuedAt });
  await env.DB.prepare("UPDATE events SET status = 'queued', queued_at = ?2 WHERE id = ?1")
    .bind(eventId, queuedAt)
    .run();
  return eventId;
}

it("re-sends the planning message of an event queued long ago and never planned, once", async () => {
  const now = Date.now();
  const lost = await queuedButNeverPlanned("evt_lost_message", now - PLAN_GRACE_MS - 1);
  const recent = await queuedButNeverPlanned("evt_recent_message", now - 1_000);
  const events = recordingQueue<{ eventId: string }>();
  const sweepEnv: Env = { ...bridgeEnv, EVENTS_QUEUE: events.queue };

  expect(await sweepUnplannedEvents(sweepEnv, now)).toBe(1);
  expect(events.sent).toEqual([{ body: { eventId: lost } }]);
  // The re-sent message is now the one due: the next sweep waits for it instead of sending another.
  expect(await sweepUnplannedEvents(sweepEnv, now + 60_000)).toBe(0);
  expect(events.sent.map((m) => m.body.eventId)).not.toContain(recent);
});

it("leaves alone an event whose confirmation is deliberately being retried later", async () => {
  const now = Date.now();
  const waiting = await queuedButNeverPlanned("evt_confirm_later", now - PLAN_GRACE_MS - 1);
  // The planner pushed its next planning time into the future (a Coupontools confirmation retry).
  await markPlanningDue(env.DB, [waiting], now + 6 * 3_600_000);
  const events = recordingQueue<{ eventId: string }>();
  expect(await sweepUnplannedEvents({ ...bridgeEnv, EVENTS_QUEUE: events.queue }, now)).toBe(0);
  expect(events.sent).toEqual([]);
});
