import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { createApp } from "../../src/app";
import { SWEEP_GRACE_MS, sweepUnqueued } from "../../src/delivery/outbox";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import ometriaUnsubscribed from "../fixtures/ometria/contact-unsubscribed.json";
import { secrets } from "../support/deliveries";

// The real queue cannot be made to fail on demand, so only the producer binding is swapped for one that throws;
// D1 and the app are the real ones.
const brokenQueue = {
  send: () => Promise.reject(new Error("queue unavailable")),
  sendBatch: () => Promise.reject(new Error("queue unavailable")),
} as unknown as Queue;

function deliverWith(bindings: Env, id: string) {
  const request = new Request("https://bridge.test/webhooks/ometria", {
    method: "POST",
    headers: { "content-type": "application/json", "x-hookbridge-token": secrets.ometria },
    body: JSON.stringify({ ...ometriaUnsubscribed, id }),
  });
  return createApp().fetch(request, bindings, createExecutionContext());
}

async function queuedAt(id: string) {
  const row = await env.DB.prepare("SELECT queued_at FROM events WHERE id = ?1")
    .bind(id)
    .first<{ queued_at: number | null }>();
  return row?.queued_at;
}

const realEnv: Env = env;
const failingEnv: Env = { ...realEnv, EVENTS_QUEUE: brokenQueue };

it("acknowledges a stored delivery even when the queue refuses it, and a vendor retry queues it", async () => {
  const first = await deliverWith(failingEnv, "q-fail-retry");
  expect(first.status).toBe(202);
  const { id } = await first.json<{ id: string }>();
  expect(await queuedAt(id)).toBeNull();

  const retry = await deliverWith(realEnv, "q-fail-retry");
  expect(retry.status).toBe(200);
  expect(await retry.json()).toEqual({ id, status: "duplicate" });
  expect(await queuedAt(id)).toEqual(expect.any(Number));
});

it("the cron sweep queues events whose send failed, once they are older than the grace period", async () => {
  const res = await deliverWith(failingEnv, "q-fail-sweep");
  const { id } = await res.json<{ id: string }>();

  // Too recent: the request that stored it may still be sending.
  expect(await sweepUnqueued(realEnv)).toBe(0);
  expect(await queuedAt(id)).toBeNull();

  // A sweep whose queue also fails leaves the event for the next run.
  expect(await sweepUnqueued(failingEnv, Date.now() + SWEEP_GRACE_MS + 1)).toBe(0);
  expect(await queuedAt(id)).toBeNull();

  expect(await sweepUnqueued(realEnv, Date.now() + SWEEP_GRACE_MS + 1)).toBe(1);
  expect(await queuedAt(id)).toEqual(expect.any(Number));
  expect(await sweepUnqueued(realEnv, Date.now() + SWEEP_GRACE_MS + 1)).toBe(0);
});

it("the worker's scheduled handler runs the sweep", async () => {
  const res = await deliverWith(failingEnv, "q-fail-cron");
  const { id } = await res.json<{ id: string }>();
  await env.DB.prepare("UPDATE events SET received_at = received_at - ?2 WHERE id = ?1")
    .bind(id, SWEEP_GRACE_MS + 1)
    .run();
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), realEnv, ctx);
  await waitOnExecutionContext(ctx);
  expect(await queuedAt(id)).toEqual(expect.any(Number));
});
