import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { retryDeliveryRoute } from "../../src/admin/api/routes/deliveries";
import { retryDeadDeliveries, retryDelivery } from "../../src/admin/operations/retry-deliveries";
import { claimDelivery, getDelivery, listDeliveries } from "../../src/store/deliveries";
import { getEvent } from "../../src/store/events";
import couponValidated from "../fixtures/coupontools/coupon-validated.json";
import orderCreated from "../fixtures/kooomo/order-created.json";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import {
  admin,
  adminJson,
  attemptCount,
  deliveriesWhen,
  drive,
  expectError,
  finished,
} from "../support/admin";
import { acceptedId, deliver } from "../support/deliveries";
import { DEMO, emulatorState, injectFault, recordedRequests, resetEmulator } from "../support/emulator";
import { recordingQueue } from "../support/recording-queue";
import { waitFor } from "../support/wait";

type Retried = z.input<typeof retryDeliveryRoute.response>;

beforeEach(resetEmulator);

const retry = (deliveryId: string, body?: unknown, status = 200) =>
  adminJson<Retried>(`/deliveries/${encodeURIComponent(deliveryId)}/retry`, { method: "POST", body, status });

/** Delivers `count` events whose only reaction calls Ometria, and lets each run to the end. */
async function orders(count: number, payload: unknown = orderCreated): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = await acceptedId(await deliver("kooomo", payload));
    await drive(id);
    ids.push(id);
  }
  for (const id of ids) await deliveriesWhen(id, finished);
  return ids;
}

/** Events with one dead Ometria delivery each (Ometria answered 400). */
async function deadOrders(count: number): Promise<string[]> {
  await injectFault({ match: { connectionId: DEMO.ometria }, status: 400, times: count });
  const ids = await orders(count);
  for (const id of ids) expect((await listDeliveries(env.DB, id))[0]?.status).toBe("dead");
  return ids;
}

const deliveryOf = (eventId: string) => `${eventId}:orders-to-ometria`;

async function deadCount(): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'dead'").first<{
    n: number;
  }>();
  return row?.n ?? 0;
}

describe("POST /admin/api/deliveries/:id/retry", () => {
  it("puts a dead delivery back to pending now with a fresh schedule; it runs and succeeds", async () => {
    const [eventId = ""] = await deadOrders(1);
    const id = deliveryOf(eventId);

    const { delivery } = await retry(id);
    expect(delivery).toMatchObject({
      id,
      status: "pending",
      attempts: 1,
      retry_base: 1,
      next_attempt_at: null,
    });
    expect((await getEvent(env.DB, eventId))?.status).not.toBe("failed");

    await drive(eventId);
    expect(await deliveriesWhen(eventId, finished)).toMatchObject([{ status: "succeeded", attempts: 2 }]);
    expect((await getEvent(env.DB, eventId))?.status).toBe("done");
  });

  it("brings a retrying delivery forward to now", async () => {
    // A transient failure whose Retry-After puts the next attempt a minute away.
    await injectFault({ match: { connectionId: DEMO.ometria }, status: 503, retryAfterSeconds: 60 });
    const id = await acceptedId(await deliver("kooomo", orderCreated));
    await drive(id);
    const [waiting] = await deliveriesWhen(id, (d) => d.status === "retrying");
    expect(waiting?.next_attempt_at).toBeGreaterThan(Date.now() + 30_000);

    const { delivery } = await retry(deliveryOf(id));
    expect(delivery).toMatchObject({ status: "pending", next_attempt_at: null, retry_base: 1 });
    await drive(id);
    expect(await deliveriesWhen(id, finished)).toMatchObject([{ status: "succeeded", attempts: 2 }]);
  });

  it("refuses a succeeded delivery with 409 unless forced, then runs it again", async () => {
    const [eventId = ""] = await orders(1);
    const id = deliveryOf(eventId);
    const error = await expectError(
      await admin(`/deliveries/${id}/retry`, { method: "POST" }),
      409,
      "delivery_succeeded",
    );
    expect(error.message).toContain("force");
    expect(await getDelivery(env.DB, id)).toMatchObject({ status: "succeeded", attempts: 1 });

    expect((await retry(id, { force: true })).delivery).toMatchObject({ status: "pending", retry_base: 1 });
    await drive(eventId);
    expect(await deliveriesWhen(eventId, finished)).toMatchObject([{ status: "succeeded", attempts: 2 }]);
  });

  it("refuses a delivery whose attempt is running, even when forced", async () => {
    // Held by a paused connection so the engine leaves it alone, then claimed as a running attempt would be.
    await adminJson("/pauses", { body: { kind: "connection", name: DEMO.ometria } });
    const eventId = await acceptedId(await deliver("kooomo", orderCreated));
    await drive(eventId);
    const id = deliveryOf(eventId);
    await claimDelivery(env.DB, id, {
      now: Date.now(),
      leaseMs: 60_000,
      retakeExpired: false,
      request: { method: "POST", path: "/push" },
    });
    await expectError(
      await admin(`/deliveries/${id}/retry`, { body: { force: true } }),
      409,
      "delivery_in_flight",
    );
    await adminJson(`/pauses/connection/${DEMO.ometria}`, { method: "DELETE" });
  });

  it("answers 404 for an unknown delivery and 400 for a bad body", async () => {
    await expectError(await admin("/deliveries/nope/retry", { method: "POST" }), 404, "delivery_not_found");
    await expectError(await admin("/deliveries/nope/retry", { body: { force: 1 } }), 400, "invalid_request");
  });
});

describe("POST /admin/api/deliveries/retry (bulk)", () => {
  it("retries dead deliveries at most `limit` per call and says when more remain", async () => {
    const before = await deadCount();
    const events = await deadOrders(5);
    expect(await deadCount()).toBe(before + 5);
    const total = before + 5;

    const first = await adminJson("/deliveries/retry", { body: { limit: 2 } });
    expect(first).toEqual({ queued: 2, more: true, skipped_outcome_unknown: 0 });
    expect(await deadCount()).toBe(total - 2);
    const second = await adminJson("/deliveries/retry", { body: { limit: total - 3 } });
    expect(second).toEqual({ queued: total - 3, more: true, skipped_outcome_unknown: 0 });
    expect(await adminJson("/deliveries/retry", { body: { limit: 1 } })).toEqual({
      queued: 1,
      more: false,
      skipped_outcome_unknown: 0,
    });
    expect(await adminJson("/deliveries/retry", { body: {} })).toEqual({
      queued: 0,
      more: false,
      skipped_outcome_unknown: 0,
    });
    // What was queued runs (Ometria answers normally again).
    for (const id of events) {
      expect(await deliveriesWhen(id, finished)).toMatchObject([{ status: "succeeded", attempts: 2 }]);
    }
  });

  it("selects by route, reaction and event time", async () => {
    const t0 = new Date().toISOString();
    const kooomo = await deadOrders(2);
    const t1 = new Date(Date.now() + 1).toISOString();
    await new Promise((resolve) => setTimeout(resolve, 3));
    // A Coupontools coupon event whose Ometria call (reaction coupon-events-to-ometria) fails.
    await injectFault({ match: { connectionId: DEMO.ometria, pathPrefix: "/push" }, status: 400 });
    const coupon = await acceptedId(
      await deliver("coupontools", {
        ...couponValidated,
        id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
      }),
    );
    await drive(coupon);
    await deliveriesWhen(coupon, (d) => d.status === "dead");

    const statusOf = async (eventId: string) => (await listDeliveries(env.DB, eventId))[0]?.status;

    expect(await adminJson("/deliveries/retry", { body: { route: "ometria" } })).toEqual({
      queued: 0,
      more: false,
      skipped_outcome_unknown: 0,
    });
    expect(
      await adminJson("/deliveries/retry", {
        body: { reaction: "coupon-events-to-ometria", route: "kooomo" },
      }),
    ).toEqual({ queued: 0, more: false, skipped_outcome_unknown: 0 });
    expect(await adminJson("/deliveries/retry", { body: { to: t0 } })).toEqual({
      queued: 0,
      more: false,
      skipped_outcome_unknown: 0,
    });

    expect(await adminJson("/deliveries/retry", { body: { from: t0, to: t1, limit: 1 } })).toEqual({
      queued: 1,
      more: true,
      skipped_outcome_unknown: 0,
    });
    expect(await adminJson("/deliveries/retry", { body: { route: "kooomo", from: t0 } })).toEqual({
      queued: 1,
      more: false,
      skipped_outcome_unknown: 0,
    });
    expect(await statusOf(coupon)).toBe("dead");
    for (const id of kooomo) expect(await statusOf(id)).not.toBe("dead");

    expect(await adminJson("/deliveries/retry", { body: { reaction: "coupon-events-to-ometria" } })).toEqual({
      queued: 1,
      more: false,
      skipped_outcome_unknown: 0,
    });
    expect(await statusOf(coupon)).not.toBe("dead");
  });

  it("leaves out dead deliveries of events redacted after an erasure request", async () => {
    const [redacted = "", kept = ""] = await deadOrders(2);
    await env.DB.prepare("UPDATE events SET redacted_at = ?2 WHERE id = ?1").bind(redacted, Date.now()).run();
    expect(await adminJson("/deliveries/retry", { body: {} })).toEqual({
      queued: 1,
      more: false,
      skipped_outcome_unknown: 0,
    });
    expect((await listDeliveries(env.DB, redacted))[0]?.status).toBe("dead");
    expect((await listDeliveries(env.DB, kept))[0]?.status).not.toBe("dead");
  });

  it.each([
    [{ limit: 501 }, "limit"],
    [{ limit: 0 }, "limit"],
    [{ from: "soon" }, "from"],
    [{ from: "2026-11-02T00:00:00Z", to: "2026-11-01T00:00:00Z" }, "from"],
    [{ status: "dead" }, "status"],
  ])("answers 400 for %j", async (body, field) => {
    const error = await expectError(await admin("/deliveries/retry", { body }), 400, "invalid_request");
    expect(error.issues?.some((issue) => issue.startsWith(field))).toBe(true);
  });
});

describe("deliveries whose outcome is unknown", () => {
  const STAMPS = "/v3/loyaltyusers/update";
  const stampsOf = (eventId: string) => `${eventId}:paid-order-stamps`;
  const stampCalls = async () => (await recordedRequests()).filter((r) => r.vendorPath === STAMPS).length;
  const stampBalance = async () =>
    (await emulatorState()).loyaltyUsers.find((u) => u.email === orderPaid.data.customer.email)?.stamps ?? 0;

  /** Paid orders whose stamp call Coupontools refused (400): one dead paid-order-stamps delivery each. */
  async function deadStamps(count: number): Promise<string[]> {
    await injectFault({ match: { pathPrefix: STAMPS }, status: 400, times: count });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = await acceptedId(await deliver("kooomo", orderPaid));
      await drive(id);
      await deliveriesWhen(id, finished);
      expect(await getDelivery(env.DB, stampsOf(id))).toMatchObject({ status: "dead", attempts: 1 });
      ids.push(id);
    }
    return ids;
  }

  /** What the engine leaves when a stamp call's answer is lost (see src/store/deliveries.ts). */
  const markOutcomeUnknown = (deliveryId: string) =>
    env.DB.prepare("UPDATE deliveries SET last_error_code = 'outcome_unknown' WHERE id = ?1")
      .bind(deliveryId)
      .run();

  it("a stamp call that timed out and could not be reconciled is left out of bulk retries and refused without force; force runs it", async () => {
    // Longer than MEMBRANE_TIMEOUT_MS (1500 in tests): the bridge gives up, the stamp still lands.
    await injectFault({ match: { pathPrefix: STAMPS }, times: 1, delayMs: 2_500 });
    const eventId = await acceptedId(await deliver("kooomo", orderPaid));
    await drive(eventId);
    const id = stampsOf(eventId);
    await deliveriesWhen(
      eventId,
      (d) => d.id !== id || d.status === "retrying",
      "the stamp call to time out",
    );
    // The balance reading that would reconcile it is refused: only an operator can tell.
    // (The customer's address is searchable: the balance is read by the v3 search.)
    await injectFault({ match: { pathPrefix: "/v3/loyaltyusers/search" }, status: 403, times: 1 });
    // Run the reconciling attempt once it is due (the lane would look again only after this test's lease).
    const dueAt = (await getDelivery(env.DB, id))?.next_attempt_at ?? Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now()) + 50));
    await drive(eventId);
    await deliveriesWhen(eventId, finished, "the reconciliation to fail");
    expect(await getDelivery(env.DB, id)).toMatchObject({
      status: "dead",
      attempts: 2,
      last_error_code: "outcome_unknown",
    });
    await waitFor(stampBalance, (stamps) => stamps === 1, { what: "the late stamp" });
    const calls = await stampCalls();

    expect(await adminJson("/deliveries/retry", { body: { reaction: "paid-order-stamps" } })).toEqual({
      queued: 0,
      more: false,
      skipped_outcome_unknown: 1,
    });
    const refused = await expectError(
      await admin(`/deliveries/${id}/retry`, { body: {} }),
      409,
      "outcome_unknown_needs_force",
    );
    expect(refused.message).toMatch(/check the vendor/i);
    expect(refused.message).toContain('{"force": true}');

    // Nothing was reset or sent: running its queue message now finds it finished, and the card has one stamp.
    expect(await getDelivery(env.DB, id)).toMatchObject({ status: "dead", attempts: 2, retry_base: 0 });
    expect((await drive(eventId)).get("paid-order-stamps")).toEqual({ step: "finished" });
    expect(await stampCalls()).toBe(calls);
    expect(await stampBalance()).toBe(1);

    // The operator checked the card (and, here, decided to add the stamp again).
    expect((await retry(id, { force: true })).delivery).toMatchObject({
      status: "pending",
      retry_base: 2,
      last_error_code: "outcome_unknown",
    });
    await drive(eventId);
    const done = await deliveriesWhen(eventId, finished);
    expect(done.find((d) => d.id === id)).toMatchObject({ status: "succeeded", attempts: 3 });
    expect(await stampCalls()).toBe(calls + 1);
    expect(await stampBalance()).toBe(2);
  });

  it("bulk retry queues only the others, counts the rest and does not report them as `more`", async () => {
    const [known = "", unknown = "", later = ""] = await deadStamps(3);
    await markOutcomeUnknown(stampsOf(unknown));

    expect(
      await adminJson("/deliveries/retry", { body: { reaction: "paid-order-stamps", limit: 1 } }),
    ).toEqual({ queued: 1, more: true, skipped_outcome_unknown: 1 });
    // What the API does, with the queue recorded: the delivery with an unknown outcome is never sent.
    const queue = recordingQueue<{ deliveryId: string }>();
    const withQueue = { ...env, DELIVERIES_QUEUE: queue.queue };
    expect(
      await retryDeadDeliveries(withQueue, { reaction: "paid-order-stamps" }, { limit: 10, now: Date.now() }),
    ).toEqual({ queued: 1, more: false, outcomeUnknown: 1 });
    expect(queue.sent.map((m) => m.body.deliveryId)).toEqual([stampsOf(later)]);
    await expect(
      retryDelivery(withQueue, stampsOf(unknown), { force: false, now: Date.now() }),
    ).rejects.toMatchObject({
      status: 409,
      code: "outcome_unknown_needs_force",
    });
    expect(queue.sent).toHaveLength(1);

    for (const id of [known, later]) {
      await drive(id);
      expect(
        (await deliveriesWhen(id, finished)).find((d) => d.reaction === "paid-order-stamps"),
      ).toMatchObject({
        status: "succeeded",
        attempts: 2,
      });
    }
    expect((await drive(unknown)).get("paid-order-stamps")).toEqual({ step: "finished" });
    expect(await getDelivery(env.DB, stampsOf(unknown))).toMatchObject({ status: "dead", attempts: 1 });
    expect(await attemptCount(stampsOf(unknown))).toBe(1);

    // Forced one at a time, after a look at the vendor: leaves no dead delivery behind for other tests.
    expect((await retry(stampsOf(unknown), { force: true })).delivery.status).toBe("pending");
    await drive(unknown);
    await deliveriesWhen(unknown, (d) => d.status === "succeeded");
  });
});
