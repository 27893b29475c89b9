import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { runDelivery } from "../../src/delivery/attempt/run-delivery";
import { type DeliveryContext, deliveryContext } from "../../src/delivery/context";
import type { DeadLetterMessage, DeliveryMessage } from "../../src/queue/messages";
import {
  claimDelivery,
  type DeliveryRow,
  getDelivery,
  markOutcomeUnknown,
  planDeliveries,
  recordAttempt,
  saveReconcileState,
} from "../../src/store/deliveries";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import { emulatorState, injectFault, recordedRequests, resetEmulator } from "../support/emulator";
import { recordingQueue } from "../support/recording-queue";
import { storeUnqueued } from "../support/stored-events";

// One attempt of the engine driven directly with an injected clock. Events are stored without queueing and the
// work queues are recorded, so the background consumer does not run the same deliveries; D1 and the Membrane
// emulator are the real ones. Pacing, order and the breaker are the lanes' (test/delivery/lane/).

// In the past, so pacer slots it reserves never delay tests that run on the real clock.
const T0 = Date.UTC(2025, 0, 1);
const config = loadConfig(env);

function harness(start = Date.now()) {
  const deliveries = recordingQueue<DeliveryMessage>();
  const deadLetters = recordingQueue<DeadLetterMessage>();
  let now = start;
  const testEnv = {
    ...env,
    DELIVERIES_QUEUE: deliveries.queue,
    DEAD_LETTERS: deadLetters.queue,
  };
  const ctx: DeliveryContext = deliveryContext(testEnv, { config, now: () => now });
  return {
    ctx,
    sent: deliveries.sent,
    deadLetters: deadLetters.sent,
    setNow: (t: number) => {
      now = t;
    },
  };
}

/** Stores a Kooomo payload as the ingress would (minus the queue) and plans the named reaction for it. */
async function planned(payload: unknown, reaction: string, at: number): Promise<DeliveryRow> {
  const eventId = await storeUnqueued("kooomo", payload, { receivedAt: at });
  const spec = config.reactions.find((r) => r.name === reaction);
  if (!spec) throw new Error(`reaction ${reaction} missing`);
  const [row] = await planDeliveries(
    env.DB,
    eventId,
    [{ reaction, recipe: spec.recipe.key, connectionId: spec.connection, eventSeq: at }],
    at,
  );
  if (!row) throw new Error("not planned");
  return row;
}

beforeEach(resetEmulator);

describe("a crash between the call and its record", () => {
  it("runs again at once an attempt lost before its first checkpoint: it sent nothing that changes the card", async () => {
    // The stamps recipe writes a checkpoint before each call that changes the card (`checkpointsWrites`), so a
    // worker lost with none saved made no create and no stamps call (issue 23: 56 of 100 were left to an
    // operator after a deploy, none of whom had a stamp).
    const { ctx, setNow, deadLetters } = harness(T0);
    const row = await planned({ ...orderPaid, id: "evt_crash_stamps" }, "paid-order-stamps", T0);
    // A worker claimed it (attempt recorded before calling) and died before saving anything.
    const attempt = await claimDelivery(env.DB, row.id, {
      now: T0,
      leaseMs: config.delivery.lease_ms,
      retakeExpired: false,
      request: { method: "-", path: "(planned)" },
    });
    expect(attempt).toBe(1);
    // While the lease is live, a redelivered message leaves it alone.
    expect(await runDelivery(ctx, { deliveryId: row.id })).toEqual({
      step: "held",
      until: T0 + config.delivery.lease_ms + 1,
    });
    // Once it ran out, with no settle time to wait (nothing was sent that could still land), it runs again.
    setNow(T0 + config.delivery.lease_ms + 1);
    expect(await runDelivery(ctx, { deliveryId: row.id })).toMatchObject({
      step: "attempted",
      attempt: 2,
      status: "succeeded",
    });
    const calls = (await recordedRequests()).filter((r) => r.method !== "GET");
    expect(calls.map((r) => r.vendorPath ?? r.path).filter((p) => p.includes("create"))).toHaveLength(1);
    expect(deadLetters).toEqual([]);
    expect(await runDelivery(ctx, { deliveryId: row.id })).toEqual({ step: "finished" });
  });

  it("leaves to an operator an attempt lost after its checkpoint that cannot be checked", async () => {
    const { ctx, setNow, deadLetters } = harness(T0);
    const row = await planned({ ...orderPaid, id: "evt_crash_unchecked" }, "paid-order-stamps", T0);
    const attempt = await claimDelivery(env.DB, row.id, {
      now: T0,
      leaseMs: config.delivery.lease_ms,
      retakeExpired: false,
      request: { method: "-", path: "(planned)" },
    });
    if (attempt === null) throw new Error("not claimed");
    // Lost right after the checkpoint of a stamps call with no balance read before it.
    await saveReconcileState(env.DB, row.id, attempt, JSON.stringify({ stage: "stamping-unchecked" }));
    const settled = T0 + config.delivery.lease_ms + config.delivery.ambiguous_settle_seconds * 1000;
    setNow(T0 + config.delivery.lease_ms + 1);
    expect(await runDelivery(ctx, { deliveryId: row.id })).toEqual({ step: "held", until: settled });
    setNow(settled);
    expect(await runDelivery(ctx, { deliveryId: row.id })).toMatchObject({
      step: "attempted",
      status: "dead",
      outcome: "unknown",
      code: "outcome_unknown",
    });
    expect(deadLetters.map((m) => m.body.code)).toEqual(["outcome_unknown"]);
    const calls = (await recordedRequests()).filter((r) => r.method !== "GET");
    expect(calls).toEqual([]);
  });

  it("a worker that outlived its lease cannot overwrite what replaced it", async () => {
    const row = await planned({ ...orderPaid, id: "evt_slow_worker" }, "paid-order-stamps", T0);
    const claim = {
      leaseMs: config.delivery.lease_ms,
      retakeExpired: false,
      request: { method: "-", path: "-" },
    };
    const attempt = await claimDelivery(env.DB, row.id, { now: T0, ...claim });
    if (attempt === null) throw new Error("not claimed");
    // Another worker found the lease expired and dead-lettered it as outcome unknown...
    expect(await markOutcomeUnknown(env.DB, row.id, T0 + config.delivery.lease_ms + 1, "lost")).toBe(true);
    // ...then the slow worker's call finally returns: its answer is kept on the attempt, the delivery stays put.
    const moved = await recordAttempt(
      env.DB,
      row.id,
      attempt,
      { outcome: "success", durationMs: 1 },
      { status: "succeeded" },
      T0 + config.delivery.lease_ms + 2,
    );
    expect(moved).toBe(false);
    expect(await getDelivery(env.DB, row.id)).toMatchObject({
      status: "dead",
      last_error_code: "outcome_unknown",
    });
    const attempts = await env.DB.prepare("SELECT outcome FROM attempts WHERE delivery_id = ?1")
      .bind(row.id)
      .all();
    expect(attempts.results).toEqual([{ outcome: "success" }]);
  });

  it("re-sends an idempotent push (Ometria merges by id) once the lease has expired", async () => {
    const { ctx, setNow } = harness(T0);
    const row = await planned({ ...orderPaid, id: "evt_crash_push" }, "orders-to-ometria", T0);
    await claimDelivery(env.DB, row.id, {
      now: T0,
      leaseMs: config.delivery.lease_ms,
      retakeExpired: true,
      request: { method: "-", path: "(planned)" },
    });
    setNow(T0 + config.delivery.lease_ms + 1);
    expect(await runDelivery(ctx, { deliveryId: row.id })).toMatchObject({
      step: "attempted",
      attempt: 2,
      status: "succeeded",
    });
    expect((await emulatorState()).pushedRecords).toHaveLength(1);
  });
});

describe("redelivered and early messages", () => {
  it("a message for a delivery already done sends nothing", async () => {
    const { ctx } = harness();
    const row = await planned({ ...orderPaid, id: "evt_done_once" }, "paid-order-stamps", Date.now());
    expect(await runDelivery(ctx, { deliveryId: row.id })).toMatchObject({
      step: "attempted",
      status: "succeeded",
    });
    const calls = (await recordedRequests()).length;
    expect(await runDelivery(ctx, { deliveryId: row.id })).toEqual({ step: "finished" });
    expect(await runDelivery(ctx, { deliveryId: row.id })).toEqual({ step: "finished" });
    expect((await recordedRequests()).length).toBe(calls);
    expect((await emulatorState()).loyaltyUsers[0]?.stamps).toBe(1);
  });

  it("a message that arrives before the delivery's next attempt is due is not run; its lane waits until then", async () => {
    const { ctx, sent } = harness(T0);
    const row = await planned({ ...orderPaid, id: "evt_early" }, "paid-order-stamps", T0);
    await env.DB.prepare("UPDATE deliveries SET status = 'retrying', next_attempt_at = ?2 WHERE id = ?1")
      .bind(row.id, T0 + 60_000)
      .run();
    expect(await runDelivery(ctx, { deliveryId: row.id })).toEqual({ step: "not_due", until: T0 + 60_000 });
    expect(sent).toEqual([]);
    expect(await recordedRequests()).toEqual([]);
  });

  it("a delivery whose event was redacted after an erasure is not run", async () => {
    const { ctx } = harness();
    const row = await planned({ ...orderPaid, id: "evt_redacted" }, "paid-order-stamps", Date.now());
    await env.DB.prepare("UPDATE events SET redacted_at = ?2 WHERE id = ?1")
      .bind(row.event_id, Date.now())
      .run();
    expect(await runDelivery(ctx, { deliveryId: row.id })).toMatchObject({
      step: "attempted",
      status: "dead",
      code: "event_data_missing",
    });
    expect((await getDelivery(env.DB, row.id))?.last_error).toMatch(/redacted/);
    expect(await recordedRequests()).toEqual([]);
  });

  it("an unknown delivery id is acknowledged as gone", async () => {
    const { ctx } = harness();
    expect(await runDelivery(ctx, { deliveryId: "nope:nothing" })).toEqual({ step: "gone" });
  });

  it("a permanent failure sends a dead letter naming the delivery and the reason", async () => {
    const { ctx, deadLetters } = harness();
    const row = await planned(
      {
        ...orderPaid,
        id: "evt_dl",
        data: { ...orderPaid.data, customer: { ...orderPaid.data.customer, email: null } },
      },
      "paid-order-stamps",
      Date.now(),
    );
    expect(await runDelivery(ctx, { deliveryId: row.id })).toMatchObject({
      step: "attempted",
      status: "dead",
      code: "event_data_missing",
    });
    expect(deadLetters).toEqual([
      {
        body: {
          kind: "dead_delivery",
          deliveryId: row.id,
          eventId: row.event_id,
          reaction: "paid-order-stamps",
          code: "event_data_missing",
          reason: expect.stringMatching(/no customer e-mail/),
        },
      },
    ]);
  });
});

describe("retry schedules", () => {
  it("a reaction's own retry schedule overrides the global one", async () => {
    const own = {
      ...config,
      reactions: config.reactions.map((r) =>
        r.name === "paid-order-stamps" ? { ...r, retrySchedule: [7] } : r,
      ),
    };
    const { ctx } = harness(T0);
    const row = await planned({ ...orderPaid, id: "evt_own_schedule" }, "paid-order-stamps", T0);
    // Three failures: the first read is tried twice more within the attempt (src/reactions/retry-in-attempt.ts).
    await injectFault({ match: { connectionId: "coupontools-demo" }, status: 500, times: 3 });
    const step = await runDelivery({ ...ctx, config: own }, { deliveryId: row.id });
    expect(step).toMatchObject({ step: "attempted", status: "retrying", nextAttemptAt: T0 + 7_000 });
    // The global schedule ([1, 1, 1] s in tests) would have retried after one second.
    expect(config.delivery.retry_schedule_seconds[0]).toBe(1);
  });
});

describe("finding the loyalty user", () => {
  it("creates no user when the card's user list is longer than the bridge reads (list_read_limit_bytes)", async () => {
    const { ctx } = harness();
    // A `.` in the local part: no safe search term, so the card is listed.
    const order = {
      ...orderPaid,
      id: "evt_long_list",
      data: { ...orderPaid.data, customer: { ...orderPaid.data.customer, email: "first.last@example.com" } },
    };
    const row = await planned(order, "paid-order-stamps", Date.now());
    const users = Array.from({ length: 1_500 }, (_, i) => ({
      id: `u${i}`,
      email: `someone.${i}@example.com`,
    }));
    await injectFault({
      match: { pathPrefix: "/v3/loyaltyusers/list" },
      status: 200,
      body: { status: { status: "OK" }, users },
    });
    // Through the proxy the vendor's list reaches the bridge as it is (an action would shape it first).
    const proxied = {
      ...config,
      reactions: config.reactions.map((r) =>
        r.name === "paid-order-stamps"
          ? { ...r, options: { ...(r.options as object), via: "proxy", list_read_limit_bytes: 65_536 } }
          : r,
      ),
    };
    const step = await runDelivery({ ...ctx, config: proxied }, { deliveryId: row.id });
    expect(step).toMatchObject({
      step: "attempted",
      status: "dead",
      code: "event_data_missing",
    });
    expect((await getDelivery(env.DB, row.id))?.last_error).toMatch(/longer than the 65536 bytes/);
    const created = (await recordedRequests()).filter((r) => r.vendorPath === "/v3/loyaltyusers/create");
    expect(created).toEqual([]);
  });
});
