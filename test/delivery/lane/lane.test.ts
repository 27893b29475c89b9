import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config";
import { laneOf } from "../../../src/delivery/lane/connection-lane";
import { laneItem } from "../../../src/delivery/lane/items";
import type { LaneItem } from "../../../src/delivery/lane/work";
import { entityKeys } from "../../../src/delivery/plan-event";
import type { Env } from "../../../src/env";
import { type DeliveryRow, planDeliveries } from "../../../src/store/deliveries";
import { readStoredEvent } from "../../../src/store/stored-event";
import couponValidated from "../../fixtures/coupontools/coupon-validated.json";
import orderCancelled from "../../fixtures/kooomo/order-cancelled.json";
import orderPaid from "../../fixtures/kooomo/order-paid.json";
import { adminJson } from "../../support/admin";
import { acceptedId, deliver } from "../../support/deliveries";
import { emulatorState, injectFault, recordedRequests, resetEmulator } from "../../support/emulator";
import { attemptsOf, deliveriesOf, eventRow, storeUnqueued } from "../../support/stored-events";
import { waitFor } from "../../support/wait";

// Lanes with the real Durable Objects, D1, queues and the Membrane emulator. Work is planned in D1 and handed
// to a lane in one call where a test needs it to arrive at once (batching); otherwise it comes through the
// real pipeline (webhook in, queues, consumer).

const bridgeEnv: Env = env;
const config = loadConfig(bridgeEnv);

function paidOrder(id: string | number, createdAt = "2025-03-14T09:26:53Z") {
  return {
    ...orderPaid,
    id: `evt_${id}`,
    created_at: createdAt,
    data: { ...orderPaid.data, id, number: `KO-${id}` },
  };
}

function cancelledOrder(id: string | number, createdAt: string) {
  return {
    ...orderCancelled,
    id: `evt_cancel_${id}`,
    created_at: createdAt,
    data: { ...orderCancelled.data, id, number: `KO-${id}` },
  };
}

function withCustomer(order: ReturnType<typeof paidOrder>, id: number, email: string) {
  return { ...order, data: { ...order.data, customer: { ...order.data.customer, id, email } } };
}

/** Stores the payloads and plans `reaction` for each, as the planner would, without sending them anywhere. */
async function plan(reaction: string, payloads: readonly unknown[]): Promise<LaneItem[]> {
  const spec = config.reactions.find((r) => r.name === reaction);
  if (!spec) throw new Error(`reaction ${reaction} missing`);
  const now = Date.now();
  const items: LaneItem[] = [];
  for (const payload of payloads) {
    const eventId = await storeUnqueued(
      spec.connection === "coupontools-demo" ? "kooomo" : "kooomo",
      payload,
    );
    const event = readStoredEvent((await eventRow(eventId)).event_json);
    const entityKey = await spec.recipe.entity?.(event, spec.options, entityKeys(env));
    const [row] = await planDeliveries(
      env.DB,
      eventId,
      [
        {
          reaction,
          recipe: spec.recipe.key,
          connectionId: spec.connection,
          eventSeq: Date.parse(event.time),
          ...(entityKey !== undefined && { entityKey }),
        },
      ],
      now,
    );
    if (!row) throw new Error("not planned");
    items.push(laneItem(row, now));
  }
  return items;
}

async function rows(ids: readonly string[]): Promise<DeliveryRow[]> {
  const { results } = await env.DB.prepare(
    "SELECT * FROM deliveries WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id",
  )
    .bind(JSON.stringify(ids))
    .all<DeliveryRow>();
  return results;
}

const done = (list: DeliveryRow[]) => list.every((d) => d.status === "succeeded" || d.status === "dead");

async function settledRows(items: readonly LaneItem[], timeoutMs = 15_000): Promise<DeliveryRow[]> {
  return waitFor(() => rows(items.map((i) => i.deliveryId)), done, {
    timeoutMs,
    what: `${items.length} deliveries to settle`,
  });
}

const vendorCalls = async (path: string) =>
  (await recordedRequests()).filter((r) => r.vendorPath === path && !r.fault);

beforeEach(resetEmulator);

describe("batching", () => {
  it("sends 250 Ometria order pushes as 3 requests, each record recorded against its own delivery", async () => {
    const items = await plan(
      "orders-to-ometria",
      Array.from({ length: 250 }, (_, i) => paidOrder(500_000 + i)),
    );
    await laneOf(bridgeEnv, "ometria-demo").enqueue("ometria-demo", items);
    const settled = await settledRows(items);
    expect(settled.map((d) => [d.status, d.attempts])).toEqual(settled.map(() => ["succeeded", 1]));
    const pushes = await vendorCalls("/push");
    expect(pushes.map((p) => (p.body as unknown[]).length)).toEqual([100, 100, 50]);
    expect((await emulatorState()).pushedRecords).toHaveLength(250);
    // Each attempt names the call and how many records it carried, not the first records of the body.
    const { results } = await env.DB.prepare(
      "SELECT request_summary, outcome FROM attempts WHERE delivery_id IN (SELECT value FROM json_each(?1))",
    )
      .bind(JSON.stringify(items.map((i) => i.deliveryId)))
      .all<{ request_summary: string; outcome: string }>();
    const summaries = results.map((r) => [JSON.parse(r.request_summary), r.outcome]);
    expect(summaries).toHaveLength(250);
    for (const [summary, outcome] of summaries) {
      expect(outcome).toBe("success");
      expect(summary).toMatchObject({ method: "POST", records: expect.any(Number) });
      expect(summary).not.toHaveProperty("body");
    }
    expect(summaries.filter(([summary]) => summary.records === 50)).toHaveLength(50);
  });

  it("fails a record the vendor rejects on its own delivery, and no other", async () => {
    const items = await plan("orders-to-ometria", [
      paidOrder(510_001),
      paidOrder(510_002),
      paidOrder(510_003),
    ]);
    // Ometria takes at most 60 KB per record: the third one is made larger than that.
    const big = items[2];
    if (!big) throw new Error("missing");
    const row = await eventRow(big.eventId);
    const event = JSON.parse(row.event_json);
    event.data.line_items = Array.from({ length: 1_500 }, (_, i) => ({
      sku: `SKU-${i}-${"x".repeat(30)}`,
      quantity: 1,
    }));
    await env.DB.prepare("UPDATE events SET event_json = ?2 WHERE id = ?1")
      .bind(big.eventId, JSON.stringify(event))
      .run();

    await laneOf(bridgeEnv, "ometria-demo").enqueue("ometria-demo", items);
    const settled = await settledRows(items);
    expect(settled.map((d) => d.status)).toEqual(["succeeded", "succeeded", "dead"]);
    expect(settled[2]?.last_error).toMatch(/bytes; the vendor takes at most 61440 per record/);
    expect((await vendorCalls("/push")).map((p) => (p.body as unknown[]).length)).toEqual([2]);
  });

  it("narrows a batch the vendor partly rejects down to the record at fault, which fails alone", async () => {
    const items = await plan(
      "orders-to-ometria",
      Array.from({ length: 5 }, (_, i) => paidOrder(515_000 + i)),
    );
    // The third order's record gets an empty id, which Ometria rejects (counted in `rejected`).
    const bad = items[2];
    if (!bad) throw new Error("missing");
    const event = JSON.parse((await eventRow(bad.eventId)).event_json);
    event.data.order_id = "";
    await env.DB.prepare("UPDATE events SET event_json = ?2 WHERE id = ?1")
      .bind(bad.eventId, JSON.stringify(event))
      .run();

    await laneOf(bridgeEnv, "ometria-demo").enqueue("ometria-demo", items);
    const settled = await settledRows(items);
    const byId = new Map(settled.map((d) => [d.id, d]));
    expect(byId.get(bad.deliveryId)).toMatchObject({ status: "dead", last_error_code: "vendor_rejected" });
    for (const item of items.filter((i) => i !== bad))
      expect(byId.get(item.deliveryId)).toMatchObject({ status: "succeeded", attempts: 1 });
    // 5 records; the first half (3) rejects again, is halved into 2 (accepted) and 1 (the bad record, alone);
    // the second half (2) is accepted.
    const sizes = (await vendorCalls("/push")).map((p) => (p.body as unknown[]).length);
    expect(sizes).toEqual([5, 3, 2, 1, 2]);
    expect((await emulatorState()).pushedRecords.map((r) => r.id).sort()).toEqual([
      "515000",
      "515001",
      "515003",
      "515004",
    ]);
  });
});

describe("per-entity order", () => {
  it("never sends an order's older state after a newer one: a retried order.paid is superseded by order.cancelled", async () => {
    const lane = laneOf(bridgeEnv, "ometria-demo");
    await injectFault({ match: { connectionId: "ometria-demo" }, status: 503, times: 1 });
    const [paid] = await plan("orders-to-ometria", [paidOrder(520_001, "2025-03-14T09:00:00Z")]);
    if (!paid) throw new Error("missing");
    await lane.enqueue("ometria-demo", [paid]);
    // The paid push failed once and waits for its retry...
    await waitFor(
      () => rows([paid.deliveryId]),
      ([d]) => d?.status === "retrying",
      { what: "paid to retry" },
    );
    // ...when the cancellation of the same order arrives: it goes out, and the paid state never does.
    const [cancelled] = await plan("orders-to-ometria", [cancelledOrder(520_001, "2025-03-14T10:00:00Z")]);
    if (!cancelled) throw new Error("missing");
    await lane.enqueue("ometria-demo", [cancelled]);
    const [paidRow, cancelledRow] = await settledRows([paid, cancelled]);
    expect(cancelledRow).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(paidRow).toMatchObject({ status: "succeeded", attempts: 1, last_error_code: "superseded" });
    expect(paidRow?.last_error).toMatch(/newer state of order:520001/);
    const pushed = (await emulatorState()).pushedRecords.filter((r) => r.id === "520001");
    expect(pushed.map((r) => r.status)).toEqual(["cancelled"]);
  });

  it("sends only the newest state when several of one order wait together", async () => {
    const items = await plan("orders-to-ometria", [
      cancelledOrder(530_001, "2025-03-14T11:00:00Z"),
      paidOrder(530_001, "2025-03-14T09:00:00Z"),
      paidOrder(530_002, "2025-03-14T09:00:00Z"),
    ]);
    await laneOf(bridgeEnv, "ometria-demo").enqueue("ometria-demo", items);
    const settled = await settledRows(items);
    const byEvent = new Map(settled.map((d) => [d.event_id, d]));
    expect(byEvent.get(items[1]?.eventId ?? "")?.last_error_code).toBe("superseded");
    expect(byEvent.get(items[0]?.eventId ?? "")?.last_error_code).toBeNull();
    const pushed = (await emulatorState()).pushedRecords;
    expect(pushed.filter((r) => r.id === "530001").map((r) => r.status)).toEqual(["cancelled"]);
    expect(pushed.filter((r) => r.id === "530002")).toHaveLength(1);
  });
});

describe("subrequest budget", () => {
  // The tests run with pump_subrequests = 100 (vitest.config.ts): a lane alarm hands over every few deliveries.
  it("goes on in the next alarm when one runs out with nothing in flight: 20 stamps of one customer, one at a time", async () => {
    const orders = Array.from({ length: 20 }, (_, i) =>
      withCustomer(
        paidOrder(580_000 + i, `2025-03-14T09:${String(i).padStart(2, "0")}:00Z`),
        9_500,
        "chain@example.com",
      ),
    );
    const items = await plan("paid-order-stamps", orders);
    await laneOf(bridgeEnv, "coupontools-demo").enqueue("coupontools-demo", items);
    const settled = await settledRows(items, 25_000);
    expect(settled.every((d) => d.status === "succeeded")).toBe(true);
    const users = (await emulatorState()).loyaltyUsers.filter((u) => u.email === "chain@example.com");
    expect(users.map((u) => u.stamps)).toEqual([20]);
  });
});

describe("D1 query budget", () => {
  // The tests run with pump_d1_queries = 100 (vitest.config.ts), of which a delivery reserves 30: the queries
  // run out before the subrequests (100, of which it reserves 22).
  it("hands a long alarm over to the next before it runs more D1 queries than its limit", async () => {
    const lane = laneOf(bridgeEnv, "coupontools-demo");
    const before = (await lane.status()).alarms;
    const orders = Array.from({ length: 12 }, (_, i) =>
      withCustomer(paidOrder(590_000 + i), 9_600 + i, `d1-budget-${i}@example.com`),
    );
    const items = await plan("paid-order-stamps", orders);
    await lane.enqueue("coupontools-demo", items);
    const settled = await settledRows(items, 25_000);
    expect(settled.every((d) => d.status === "succeeded")).toBe(true);
    const { alarms } = await lane.status();
    expect(alarms.alarms - before.alarms).toBeGreaterThan(1);
    expect(alarms.handovers.queries - before.handovers.queries).toBeGreaterThan(0);
    expect(alarms.peak.queries).toBeLessThanOrEqual(100);
    // Operators see it in the admin API.
    const stats = await adminJson<{ connections: Record<string, { alarms: Record<string, number> }> }>(
      "/stats",
    );
    expect(stats.connections["coupontools-demo"]?.alarms).toMatchObject({
      count: alarms.alarms,
      peak_d1_queries: alarms.peak.queries,
      handovers_for_d1_queries: alarms.handovers.queries,
    });
  });

  it("hands over without waiting for a slow call: the next alarm runs the others beside it", async () => {
    const lane = laneOf(bridgeEnv, "coupontools-demo");
    const before = (await lane.status()).alarms;
    // The connection's first call stalls 1.4 s (under the tests' 1.5 s timeout). With 100 queries an alarm and
    // 30 reserved per delivery, the alarm runs out while that delivery is still in flight.
    await injectFault({ match: { connectionId: "coupontools-demo" }, times: 1, delayMs: 1_400 });
    const orders = Array.from({ length: 6 }, (_, i) =>
      withCustomer(paidOrder(595_000 + i), 9_700 + i, `overlap-${i}@example.com`),
    );
    const items = await plan("paid-order-stamps", orders);
    await lane.enqueue("coupontools-demo", items);
    const settled = await settledRows(items, 25_000);
    expect(settled.every((d) => d.status === "succeeded")).toBe(true);
    const slowest = await Promise.all(
      settled.map(async (d) => Math.max(...(await attemptsOf(d.event_id)).map((a) => a.duration_ms ?? 0))),
    );
    const slow = settled[slowest.findIndex((ms) => ms >= 1_400)];
    expect(slow).toBeDefined();
    // Every other delivery finished before the slow one: no alarm waited for it before the next went on
    // (before, the alarm that ran out waited for it, and the last deliveries ran after it).
    const others = settled.filter((d) => d !== slow);
    expect(others.map((d) => (d.completed_at ?? 0) < (slow?.completed_at ?? 0))).toEqual(
      others.map(() => true),
    );
    expect((await lane.status()).alarms.handovers.queries - before.handovers.queries).toBeGreaterThan(0);
  });
});

describe("circuit breaker", () => {
  /** Waits until the calls of an earlier test left the breaker's window (5 s here), so they do not dilute. */
  const quietWindow = (lane: ReturnType<typeof laneOf>) =>
    waitFor(
      () => lane.status(),
      (s) => s.breaker.state === "closed" && s.breaker.window.length === 0,
      { what: "the breaker's window to empty", timeoutMs: 8_000 },
    );

  it("opens on a failure rate, spends no attempts while open, probes, closes, and ends the incident after the quiet time", async () => {
    const lane = laneOf(bridgeEnv, "coupontools-demo");
    await quietWindow(lane);
    // Membrane's error echoes a customer's address: the breaker keeps its reason in the lane's storage,
    // which an erasure does not reach, so the address is masked there.
    await injectFault({
      match: { connectionId: "coupontools-demo" },
      status: 503,
      times: 6,
      body: { type: "internal", message: "upstream failed for breaker0@example.com" },
    });
    const items = await plan(
      "paid-order-stamps",
      Array.from({ length: 6 }, (_, i) => ({
        ...paidOrder(540_000 + i),
        data: {
          ...paidOrder(540_000 + i).data,
          customer: { id: 9_000 + i, email: `breaker${i}@example.com` },
        },
      })),
    );
    await lane.enqueue("coupontools-demo", items);
    const open = await waitFor(
      () => lane.status(),
      (s) => s.breaker.state === "open",
      { what: "the breaker to open" },
    );
    expect(open.breaker).toMatchObject({
      state: "open",
      failures: expect.any(Number),
      calls: expect.any(Number),
    });
    if (open.breaker.state !== "open") throw new Error("not open");
    expect(open.breaker.reason).toMatch(/503/);
    expect(open.breaker.reason).toContain("***@example.com");
    expect(open.breaker.reason).not.toContain("breaker0");
    expect(open.breaker.probeAt - open.breaker.openedAt).toBeGreaterThanOrEqual(2_000);
    // Operators see it in the admin API, with when and why it opened.
    const stats = await adminJson<{ connections: Record<string, { breaker: Record<string, unknown> }> }>(
      "/stats",
    );
    expect(stats.connections["coupontools-demo"]?.breaker).toMatchObject({
      state: "open",
      opened_at: new Date(open.breaker.openedAt).toISOString(),
      reason: expect.stringMatching(/503/),
    });

    // The retries are due after 1 s, but the breaker holds them: no attempt is spent while it is open.
    const attemptsAtOpen = (await rows(items.map((i) => i.deliveryId))).map((d) => d.attempts);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    if (Date.now() < open.breaker.probeAt) {
      expect((await rows(items.map((i) => i.deliveryId))).map((d) => d.attempts)).toEqual(attemptsAtOpen);
    }

    // The fault is spent: the probe succeeds, the breaker closes and the rest go out, each stamped once.
    const settled = await settledRows(items);
    expect(settled.map((d) => d.status)).toEqual(settled.map(() => "succeeded"));
    expect((await lane.status()).breaker).toMatchObject({ state: "closed" });
    const users = (await emulatorState()).loyaltyUsers.filter((u) => String(u.email).startsWith("breaker"));
    expect(users.map((u) => u.stamps)).toEqual(users.map(() => 1));
    expect(users).toHaveLength(6);

    // One incident, from the opening until the breaker stayed closed for the quiet time (2 s here): the lane
    // wakes to end it (and to send its closing alert: tests/delivery/alerts.test.ts).
    expect(open.incident).toMatchObject({ startedAt: open.breaker.openedAt, openings: 1 });
    await waitFor(
      () => lane.status(),
      (s) => s.incident === undefined,
      { what: "the incident to end", timeoutMs: 8_000 },
    );
  });

  /**
   * Six stamps deliveries of their own customers handed to the Coupontools lane while every Coupontools call
   * fails. Their event times differ (minute `minute`, seconds 0-5), so work goes to them in that order.
   */
  async function failingStamps(base: number, minute: number) {
    const lane = laneOf(bridgeEnv, "coupontools-demo");
    await quietWindow(lane);
    await injectFault({ match: { connectionId: "coupontools-demo" }, status: 503, times: 1_000 });
    const items = await plan(
      "paid-order-stamps",
      Array.from({ length: 6 }, (_, i) =>
        withCustomer(
          paidOrder(base + i, `2025-03-14T09:${minute}:0${i}Z`),
          base + i,
          `failing${base + i}@example.com`,
        ),
      ),
    );
    await lane.enqueue("coupontools-demo", items);
    return { lane, items };
  }

  it("sends another probe when the probe's delivery was finished meanwhile, instead of waiting for good", async () => {
    const { lane, items } = await failingStamps(545_000, 26);
    await waitFor(
      () => lane.status(),
      (s) => s.breaker.state === "open",
      { what: "the breaker to open" },
    );
    // Coupontools recovers, and something else finished the delivery that will be the probe (a replay, say).
    await resetEmulator();
    const [first, ...rest] = items;
    if (!first) throw new Error("no items");
    await env.DB.prepare("UPDATE deliveries SET status = 'succeeded' WHERE id = ?")
      .bind(first.deliveryId)
      .run();

    const settled = await settledRows(rest, 20_000);
    expect(settled.map((d) => d.status)).toEqual(settled.map(() => "succeeded"));
    expect((await lane.status()).breaker).toMatchObject({ state: "closed" });
  });

  it("spreads successive probes over the waiting deliveries instead of spending the oldest one's attempts", async () => {
    const { items } = await failingStamps(547_000, 27);
    // Each delivery's first attempt, then two probes (one per 2 s cool-down), all failing.
    const attempts = await waitFor(
      async () => (await rows(items.map((i) => i.deliveryId))).map((d) => d.attempts),
      (list) => list.reduce((a, b) => a + b, 0) >= items.length + 2,
      { what: "two probes after the first attempts", timeoutMs: 15_000 },
    );
    expect(Math.max(...attempts)).toBe(2);
    await resetEmulator();
    const settled = await settledRows(items, 20_000);
    expect(settled.map((d) => d.status)).toEqual(settled.map(() => "succeeded"));
  });

  it("does not open on 429s: a vendor that asks to slow down is answering", async () => {
    const lane = laneOf(bridgeEnv, "coupontools-demo");
    await quietWindow(lane);
    await injectFault({
      match: { connectionId: "coupontools-demo" },
      status: 429,
      retryAfterSeconds: 1,
      times: 12,
    });
    const items = await plan(
      "paid-order-stamps",
      Array.from({ length: 4 }, (_, i) =>
        withCustomer(paidOrder(552_000 + i), 9_500 + i, `slow${i}@example.com`),
      ),
    );
    await lane.enqueue("coupontools-demo", items);
    const states = new Set<string>();
    await waitFor(
      async () => {
        const status = await lane.status();
        states.add(status.breaker.state);
        return rows(items.map((i) => i.deliveryId));
      },
      (list) => list.every((d) => d.status === "succeeded"),
      { what: "every stamp", timeoutMs: 20_000 },
    );
    expect([...states]).toEqual(["closed"]);
  });

  it("does not open on permanent failures of single deliveries", async () => {
    const lane = laneOf(bridgeEnv, "coupontools-demo");
    await injectFault({ match: { connectionId: "coupontools-demo" }, status: 400, times: 6 });
    const items = await plan(
      "paid-order-stamps",
      Array.from({ length: 6 }, (_, i) => paidOrder(550_000 + i)),
    );
    await lane.enqueue("coupontools-demo", items);
    const settled = await settledRows(items);
    expect(settled.map((d) => d.status)).toEqual(settled.map(() => "dead"));
    expect((await lane.status()).breaker.state).toBe("closed");
  });
});

describe("recovery", () => {
  it("pulls a connection's retries forward when it is resumed, instead of letting them wait out their backoff", async () => {
    const lane = laneOf(bridgeEnv, "coupontools-demo");
    const items = await plan(
      "paid-order-stamps",
      Array.from({ length: 3 }, (_, i) =>
        withCustomer(paidOrder(570_000 + i), 9_300 + i, `recover${i}@example.com`),
      ),
    );
    // Each failed once and waits an hour for its retry (in D1 and in the lane).
    const later = Date.now() + 3_600_000;
    for (const item of items)
      await env.DB.prepare(
        "UPDATE deliveries SET status = 'retrying', attempts = 1, next_attempt_at = ? WHERE id = ?",
      )
        .bind(later, item.deliveryId)
        .run();
    await lane.enqueue(
      "coupontools-demo",
      items.map((i) => ({ ...i, dueAt: later })),
    );
    expect((await lane.status()).nextDueAt).toBe(later);
    // A resume (the same path as a breaker closing) makes them due now, spread over a second at most here.
    await lane.nudge();
    const settled = await settledRows(items, 10_000);
    expect(settled.map((d) => d.status)).toEqual(settled.map(() => "succeeded"));
    expect(settled.map((d) => d.attempts)).toEqual(settled.map(() => 2));
  });
});

describe("isolation", () => {
  it("a connection that fails every call, and is paced, costs another connection nothing", async () => {
    await injectFault({ match: { connectionId: "ometria-demo" }, status: 503, times: 10_000 });
    const events = await Promise.all(
      // Distinct customers: concurrent first stamps of one customer are issue 11's (serialized per loyalty user).
      Array.from({ length: 20 }, async (_, i) =>
        acceptedId(
          await deliver("kooomo", withCustomer(paidOrder(560_000 + i), 9_100 + i, `iso${i}@example.com`)),
        ),
      ),
    );
    const stamps = await waitFor(
      async () =>
        (await Promise.all(events.map(deliveriesOf)))
          .flat()
          .filter((d) => d.reaction === "paid-order-stamps"),
      (list) => list.length === 20 && list.every((d) => d.status === "succeeded"),
      { what: "every stamp", timeoutMs: 15_000 },
    );
    expect(stamps.map((d) => d.attempts)).toEqual(stamps.map(() => 1));
    const pushes = (await Promise.all(events.map(deliveriesOf)))
      .flat()
      .filter((d) => d.reaction === "orders-to-ometria");
    expect(pushes.some((d) => d.status === "succeeded")).toBe(false);

    // Ometria recovers: its breaker probes, closes, and its work drains too; nothing was lost.
    await resetEmulator();
    const after = await waitFor(
      async () => (await Promise.all(events.map(deliveriesOf))).flat(),
      (list) => list.length === 40 && list.every((d) => d.status === "succeeded" || d.status === "dead"),
      { what: "everything to settle", timeoutMs: 20_000 },
    );
    expect(after.filter((d) => d.status === "dead")).toEqual([]);
  });

  it("a paused connection's lane sleeps until its next look, instead of waking again and again", async () => {
    await adminJson("/pauses", { body: { kind: "connection", name: "coupontools-demo" } });
    const lane = laneOf(bridgeEnv, "coupontools-demo");
    const items = await plan("paid-order-stamps", [paidOrder(565_000)]);
    await lane.enqueue("coupontools-demo", items);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Its work is due, but the lane looks again at its pause recheck (5 s), not at that work's past due time.
    const alarm = await runInDurableObject(lane, (_, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 3_000);
    expect(await lane.status()).toMatchObject({ waiting: 1, running: 0 });

    await adminJson("/pauses/connection/coupontools-demo", { method: "DELETE" });
    const [row] = await settledRows(items);
    expect(row?.status).toBe("succeeded");
  });

  it("paces a connection's calls to its vendor limit: no more than 8 custom-event pushes in any second", async () => {
    const items: LaneItem[] = [];
    const spec = config.reactions.find((r) => r.name === "coupon-events-to-ometria");
    if (!spec) throw new Error("missing");
    for (let i = 0; i < 16; i++) {
      const eventId = await storeUnqueued("coupontools", { ...couponValidated, id: `evt_pace${i}` });
      const [row] = await planDeliveries(
        env.DB,
        eventId,
        [{ reaction: spec.name, recipe: spec.recipe.key, connectionId: spec.connection, eventSeq: i }],
        Date.now(),
      );
      if (row) items.push(laneItem(row, Date.now()));
    }
    await laneOf(bridgeEnv, "ometria-demo").enqueue("ometria-demo", items);
    await settledRows(items);
    const times = (await vendorCalls("/push")).map((r) => Date.parse(r.at)).sort((a, b) => a - b);
    expect(times).toHaveLength(16);
    for (const start of times)
      expect(times.filter((t) => t >= start && t < start + 1_000).length).toBeLessThanOrEqual(8);
  });
});
