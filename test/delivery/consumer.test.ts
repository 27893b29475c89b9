import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, expect, it } from "vitest";
import { consumeBatch } from "../../src/delivery/consumer";
import { addPause, removePause } from "../../src/store/pauses";
import couponValidated from "../fixtures/coupontools/coupon-validated.json";
import { injectFault, recordedRequests, resetEmulator } from "../support/emulator";
import { recordingQueue } from "../support/recording-queue";
import { storeUnqueued } from "../support/stored-events";

beforeEach(resetEmulator);

const storeCoupontoolsEvent = (id: string) =>
  storeUnqueued("coupontools", { ...couponValidated, id }, { dedupeKey: id });

it("acknowledges each message on its own and retries only the one whose confirmation call failed", async () => {
  const failing = await storeCoupontoolsEvent("evt_confirmFails");
  await injectFault({ match: { pathPrefix: "/v3/webhook/verification" }, status: 503, times: 1 });
  const batch = createMessageBatch("hookbridge-events", [
    { id: "m-fail", timestamp: new Date(), attempts: 1, body: { eventId: failing } },
    { id: "m-missing", timestamp: new Date(), attempts: 1, body: { eventId: "no-such-event" } },
    { id: "m-garbage", timestamp: new Date(), attempts: 1, body: { hello: "world" } },
  ]);
  const ctx = createExecutionContext();
  await consumeBatch(batch, env);
  const result = await getQueueResult(batch, ctx);
  expect(result.ackAll).toBe(false);
  expect(result.retryBatch.retry).toBe(false);
  expect([...result.explicitAcks].sort()).toEqual(["m-garbage", "m-missing"]);
  expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m-fail"]);
  const row = await env.DB.prepare("SELECT verification, status FROM events WHERE id = ?1")
    .bind(failing)
    .first();
  expect(row).toEqual({ verification: "pending_confirmation", status: "accepted" });
});

it("marks the event failed, with the reason, when Coupontools' verification call is refused for good", async () => {
  const eventId = await storeCoupontoolsEvent("evt_confirmRefused");
  await injectFault({ match: { pathPrefix: "/v3/webhook/verification" }, status: 403, times: 1 });
  const batch = createMessageBatch("hookbridge-events", [
    { id: "m-refused", timestamp: new Date(), attempts: 1, body: { eventId } },
  ]);
  const ctx = createExecutionContext();
  await consumeBatch(batch, env);
  const result = await getQueueResult(batch, ctx);
  expect(result.explicitAcks).toEqual(["m-refused"]);
  const row = await env.DB.prepare("SELECT verification, status, status_reason FROM events WHERE id = ?1")
    .bind(eventId)
    .first();
  expect(row).toMatchObject({
    verification: "pending_confirmation",
    status: "failed",
    status_reason: expect.stringMatching(/^could not confirm the delivery with Coupontools: .*403/),
  });
});

it("gives up confirming after the last scheduled retry instead of retrying forever", async () => {
  const eventId = await storeCoupontoolsEvent("evt_confirmExhausted");
  await injectFault({ match: { pathPrefix: "/v3/webhook/verification" }, status: 503, times: 1 });
  // The test schedule has 3 retries: the 4th delivery of the message is the last.
  const batch = createMessageBatch("hookbridge-events", [
    { id: "m-last", timestamp: new Date(), attempts: 4, body: { eventId } },
  ]);
  const ctx = createExecutionContext();
  await consumeBatch(batch, env);
  const result = await getQueueResult(batch, ctx);
  expect(result.explicitAcks).toEqual(["m-last"]);
  expect(await env.DB.prepare("SELECT status FROM events WHERE id = ?1").bind(eventId).first()).toEqual({
    status: "failed",
  });
});

it("holds the confirmation while its Coupontools connection is paused, without spending the message's retries", async () => {
  const eventId = await storeCoupontoolsEvent("evt_confirmPaused");
  await addPause(env.DB, "connection", "coupontools-demo", Date.now());
  const events = recordingQueue<{ eventId: string }>();
  const batch = createMessageBatch("hookbridge-events", [
    { id: "m-paused", timestamp: new Date(), attempts: 1, body: { eventId } },
  ]);
  const ctx = createExecutionContext();
  await consumeBatch(batch, { ...env, EVENTS_QUEUE: events.queue });
  const result = await getQueueResult(batch, ctx);
  expect(result.explicitAcks).toEqual(["m-paused"]);
  expect(result.retryMessages).toEqual([]);
  expect(events.sent).toEqual([{ body: { eventId }, delaySeconds: 60 }]);
  expect((await recordedRequests()).filter((r) => r.vendorPath === "/v3/webhook/verification")).toEqual([]);
  expect(await env.DB.prepare("SELECT verification FROM events WHERE id = ?1").bind(eventId).first()).toEqual(
    {
      verification: "pending_confirmation",
    },
  );
  await removePause(env.DB, "connection", "coupontools-demo");
});
