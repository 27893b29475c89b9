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
  planDeliveries,
  saveReconcileState,
} from "../../src/store/deliveries";
import { readStoredEvent } from "../../src/store/stored-event";
import { acceptedId, deliver } from "../support/deliveries";
import {
  emulatorState,
  type FaultInput,
  injectFault,
  recordedRequests,
  resetEmulator,
} from "../support/emulator";
import { paidOrderPayload } from "../support/orders";
import { reactionsWith } from "../support/reactions";
import { recordingQueue } from "../support/recording-queue";
import { deliveriesOf, eventRow, storeUnqueued } from "../support/stored-events";
import { waitFor } from "../support/wait";

// Exactly-once stamps: an ambiguous answer to the stamps call (applied or not, then 5xx / a timeout) is
// reconciled from the loyalty user's stamp balance before anything is repeated. In tests the retry schedule
// is [1, 1, 1] s, an ambiguous call is read back after 2 s, the Membrane timeout is 1.5 s (vitest.config.ts).

const config = loadConfig(env);

interface AttemptRow {
  number: number;
  outcome: string;
  error_code: string | null;
}
async function attemptsOf(deliveryId: string) {
  const { results } = await env.DB.prepare(
    "SELECT number, outcome, error_code FROM attempts WHERE delivery_id = ?1 ORDER BY number",
  )
    .bind(deliveryId)
    .all<AttemptRow>();
  return results.map((a) => [a.outcome, a.error_code]);
}

const paidOrder = (id: string, email: string, customerId?: number) =>
  paidOrderPayload(id, { email, ...(customerId !== undefined && { id: customerId }) });

async function stampsDelivery(eventId: string, timeoutMs = 20_000): Promise<DeliveryRow> {
  const rows = await waitFor(
    () => deliveriesOf(eventId),
    (rs) => rs.some((d) => d.reaction === "paid-order-stamps" && ["succeeded", "dead"].includes(d.status)),
    { timeoutMs, what: `the stamps delivery of ${eventId} to settle` },
  );
  const row = rows.find((d) => d.reaction === "paid-order-stamps");
  if (!row) throw new Error("no stamps delivery");
  return row;
}

const stampsOf = async (email: string) =>
  (await emulatorState()).loyaltyUsers.filter((u) => u.email === email).map((u) => u.stamps);
const vendorCalls = async (path: string) => (await recordedRequests()).filter((r) => r.vendorPath === path);
const onUpdate = (fault: Omit<FaultInput, "match">): FaultInput => ({
  match: { pathPrefix: "/v3/loyaltyusers/update" },
  ...fault,
});

beforeEach(resetEmulator);

describe("through the real pipeline (lanes, D1, queues; stamps via Membrane actions)", () => {
  it.each([500, 503, 520, 524])(
    "applied, then %i: reconciled, exactly one stamp, the delivery succeeded with no operator",
    async (status) => {
      const email = `applied-${status}@example.com`;
      await injectFault(onUpdate({ status, applyThenFail: true, body: `error code: ${status}` }));
      const eventId = await acceptedId(await deliver("kooomo", paidOrder(`ap-${status}`, email)));
      const stamps = await stampsDelivery(eventId);
      expect(stamps).toMatchObject({ status: "succeeded", attempts: 2, reconcile_state: null });
      expect(await attemptsOf(stamps.id)).toEqual([
        ["transient", "server_error"],
        ["success", "reconciled"],
      ]);
      expect(await stampsOf(email)).toEqual([1]);
      // The stamps call went out once; the second attempt only read the balance.
      expect(await vendorCalls("/v3/loyaltyusers/update")).toHaveLength(1);
    },
  );

  it("a 503 that was not applied: the reading shows it, the call runs again, exactly one stamp", async () => {
    const email = "not-applied@example.com";
    await injectFault(onUpdate({ status: 503 }));
    const eventId = await acceptedId(await deliver("kooomo", paidOrder("na-1", email)));
    const stamps = await stampsDelivery(eventId);
    expect(stamps).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(await attemptsOf(stamps.id)).toEqual([
      ["transient", "server_error"],
      ["success", null],
    ]);
    expect(await stampsOf(email)).toEqual([1]);
    expect((await vendorCalls("/v3/loyaltyusers/update")).map((r) => r.fault)).toEqual([true, false]);
  });

  it("a timed-out stamps call that lands late is read back after it landed: exactly one stamp", async () => {
    const email = "late@example.com";
    await injectFault(onUpdate({ delayMs: 2_500 }));
    const eventId = await acceptedId(await deliver("kooomo", paidOrder("late-1", email)));
    const stamps = await stampsDelivery(eventId);
    expect(stamps).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(await attemptsOf(stamps.id)).toEqual([
      ["transient", "timeout"],
      ["success", "reconciled"],
    ]);
    expect(await stampsOf(email)).toEqual([1]);
  });

  it("retries spent on ambiguous answers: one more attempt checks the last call and sends nothing", async () => {
    // Tests retry 3 times: attempts 1-4 send the stamps and each answer is a 503; attempt 5 only reads.
    const email = "spent-not-applied@example.com";
    await injectFault(onUpdate({ status: 503, times: 4 }));
    const eventId = await acceptedId(await deliver("kooomo", paidOrder("sp-1", email)));
    const stamps = await stampsDelivery(eventId, 40_000);
    expect(stamps).toMatchObject({ status: "dead", attempts: 5, last_error_code: "server_error" });
    expect(stamps.last_error).toMatch(/gave up after 4 attempts.*state was read back.*a retry is safe/);
    expect((await attemptsOf(stamps.id)).at(-1)).toEqual(["permanent", "server_error"]);
    expect(await stampsOf(email)).toEqual([0]);
    expect(await vendorCalls("/v3/loyaltyusers/update")).toHaveLength(4);
  });

  it("retries spent, the last call applied after all: the check finds it, exactly one stamp, no operator", async () => {
    const email = "spent-applied@example.com";
    await injectFault(onUpdate({ status: 503, times: 3 }));
    await injectFault(onUpdate({ status: 500, applyThenFail: true }));
    const eventId = await acceptedId(await deliver("kooomo", paidOrder("sp-2", email)));
    const stamps = await stampsDelivery(eventId, 40_000);
    expect(stamps).toMatchObject({ status: "succeeded", attempts: 5 });
    expect((await attemptsOf(stamps.id)).at(-1)).toEqual(["success", "reconciled"]);
    expect(await stampsOf(email)).toEqual([1]);
    expect(await vendorCalls("/v3/loyaltyusers/update")).toHaveLength(4);
  });

  it("when the balance cannot be read back, the delivery ends outcome_unknown for an operator", async () => {
    const email = "unreadable@example.com";
    await injectFault(onUpdate({ status: 500, applyThenFail: true }));
    const eventId = await acceptedId(await deliver("kooomo", paidOrder("ur-1", email)));
    await waitFor(
      () => deliveriesOf(eventId),
      (rs) => rs.some((d) => d.reaction === "paid-order-stamps" && d.status === "retrying"),
      { what: "the ambiguous first attempt" },
    );
    // The vendor now refuses the reading (403): there is no way to check.
    // (Its address is searchable: the balance is read by the v3 search.)
    await injectFault({ match: { pathPrefix: "/v3/loyaltyusers/search" }, status: 403, times: 5 });
    const stamps = await stampsDelivery(eventId);
    expect(stamps).toMatchObject({ status: "dead", attempts: 2, last_error_code: "outcome_unknown" });
    expect(stamps.last_error).toMatch(/reading the stamp balance failed.*check the vendor/);
    expect(await stampsOf(email)).toEqual([1]);
    expect(await vendorCalls("/v3/loyaltyusers/update")).toHaveLength(1);
  });

  it("two paid orders of one customer arriving together are serialized: one user, 2 stamps", async () => {
    const email = "together@example.com";
    const [a, b] = await Promise.all([
      deliver("kooomo", paidOrder("tg-1", email, 4242)),
      deliver("kooomo", paidOrder("tg-2", email, 4242)),
    ]);
    const ids = [await acceptedId(a as Response), await acceptedId(b as Response)];
    const rows = await Promise.all(ids.map((id) => stampsDelivery(id)));
    expect(rows.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
    expect(await stampsOf(email)).toEqual([2]);
    expect(await vendorCalls("/v3/loyaltyusers/create")).toHaveLength(1);
    // One entity for both, and no e-mail in clear in it (a keyed hash of the address).
    const [first, second] = rows.map((r) => r.entity_key);
    expect(first).toMatch(/^loyalty-user:demo-card:[0-9a-f]{64}$/);
    expect(second).toBe(first);
    expect(first).not.toContain("together");
  });

  it("a newer order of the same customer waits while the older one waits to be reconciled", async () => {
    const email = "waits@example.com";
    await injectFault(onUpdate({ status: 500, applyThenFail: true }));
    const first = await acceptedId(await deliver("kooomo", paidOrder("wt-1", email, 77)));
    await waitFor(
      () => deliveriesOf(first),
      (rs) => rs.some((d) => d.reaction === "paid-order-stamps" && d.status === "retrying"),
      { what: "the ambiguous first attempt" },
    );
    // Its reading fails in two attempts (each reads 3 times: src/reactions/retry-in-attempt.ts; transient: it reads
    // again later), so it waits a few seconds more.
    await injectFault({ match: { pathPrefix: "/v3/loyaltyusers/search" }, status: 500, times: 6 });
    const second = await acceptedId(await deliver("kooomo", paidOrder("wt-2", email, 77)));
    const older = await stampsDelivery(first);
    const newer = await stampsDelivery(second);
    // Had the newer one run in between, the older one's reading would have found 2, not 0 + 1.
    expect([older.status, newer.status]).toEqual(["succeeded", "succeeded"]);
    expect(await attemptsOf(older.id)).toEqual([
      ["transient", "server_error"],
      ["transient", "server_error"],
      ["transient", "server_error"],
      ["success", "reconciled"],
    ]);
    const times = await env.DB.prepare(
      "SELECT delivery_id, min(started_at) AS started, max(finished_at) AS finished FROM attempts WHERE delivery_id IN (?1, ?2) GROUP BY delivery_id",
    )
      .bind(older.id, newer.id)
      .all<{ delivery_id: string; started: number; finished: number }>();
    const of = (id: string) => times.results.find((t) => t.delivery_id === id);
    expect(of(newer.id)?.started).toBeGreaterThanOrEqual(of(older.id)?.finished ?? Infinity);
    expect(await stampsOf(email)).toEqual([2]);
  });

  it("soak: 40 paid orders of 20 customers, each sent twice at once, with 5xx, apply-then-fail and a timeout", {
    timeout: 120_000,
  }, async () => {
    await injectFault(onUpdate({ status: 500, applyThenFail: true, rate: 0.25, times: 6 }));
    await injectFault(onUpdate({ status: 503, rate: 0.25, times: 4 }));
    await injectFault(
      onUpdate({ status: 524, applyThenFail: true, body: "error code: 524", rate: 0.25, times: 3 }),
    );
    await injectFault(onUpdate({ delayMs: 2_500, rate: 0.2, times: 2 }));
    await injectFault({ match: { pathPrefix: "/v3/loyaltyusers/search" }, status: 500, rate: 0.1, times: 3 });
    const customers = Array.from({ length: 20 }, (_, i) => `soak-${i}@example.com`);
    const orders = customers.flatMap((email, i) => [
      paidOrder(`soak-${i}-a`, email, 5000 + i),
      paidOrder(`soak-${i}-b`, email, 5000 + i),
    ]);
    // Each webhook twice at once, as a sender retrying early would.
    const answers = await Promise.all(
      orders.flatMap((o) => [
        deliver("kooomo", o, { id: `msg_${o.id}` }),
        deliver("kooomo", o, { id: `msg_${o.id}` }),
      ]),
    );
    expect(answers.filter((r) => r.status === 202)).toHaveLength(40);
    const eventIds = await Promise.all(answers.filter((r) => r.status === 202).map((r) => acceptedId(r)));
    const rows = await Promise.all(eventIds.map((id) => stampsDelivery(id, 90_000)));
    expect(
      rows.filter((r) => r.status !== "succeeded").map((r) => [r.last_error_code, r.last_error]),
    ).toEqual([]);
    // The faults did fire, and ambiguous calls were settled by reading the balance, not by an operator.
    const faulted = (await vendorCalls("/v3/loyaltyusers/update")).filter((r) => r.fault);
    expect(faulted.length).toBeGreaterThanOrEqual(5);
    const reconciled = await env.DB.prepare(
      "SELECT count(*) AS n FROM attempts WHERE delivery_id LIKE '%:paid-order-stamps' AND error_code = 'reconciled'",
    ).first<{ n: number }>();
    expect(reconciled?.n).toBeGreaterThanOrEqual(1);
    const { loyaltyUsers } = await emulatorState();
    for (const email of customers) {
      expect(
        loyaltyUsers.filter((u) => u.email === email).map((u) => u.stamps),
        email,
      ).toEqual([2]);
    }
  });
});

// The proxy path, driven attempt by attempt with an injected clock (the pipeline's reaction runs via
// actions): the same engine, real D1 and the emulator; only the lane and the queues are left out.
describe("via the proxy, attempt by attempt", () => {
  const T0 = Date.UTC(2025, 0, 1);

  function harness(options: Record<string, unknown>) {
    const proxyConfig = {
      ...config,
      reactions: reactionsWith("paid-order-stamps", { via: "proxy", ...options }),
    };
    let now = T0;
    const testEnv = {
      ...env,
      DELIVERIES_QUEUE: recordingQueue<DeliveryMessage>().queue,
      DEAD_LETTERS: recordingQueue<DeadLetterMessage>().queue,
    };
    const ctx: DeliveryContext = deliveryContext(testEnv, { config: proxyConfig, now: () => now });
    return { ctx, config: proxyConfig, setNow: (t: number) => (now = t) };
  }

  async function planned(id: string, email: string): Promise<DeliveryRow> {
    const eventId = await storeUnqueued("kooomo", paidOrder(id, email), { receivedAt: T0 });
    const spec = config.reactions.find((r) => r.name === "paid-order-stamps");
    if (!spec) throw new Error("paid-order-stamps missing");
    const [row] = await planDeliveries(
      env.DB,
      eventId,
      [{ reaction: spec.name, recipe: spec.recipe.key, connectionId: spec.connection, eventSeq: T0 }],
      T0,
    );
    if (!row) throw new Error("not planned");
    return row;
  }

  it.each([500, 503, 520, 524])(
    "applied, then %i: reconciled on the next attempt, one stamp",
    async (status) => {
      const { ctx, setNow } = harness({});
      const email = `proxy-${status}@example.com`;
      const row = await planned(`px-${status}`, email);
      await injectFault(onUpdate({ status, applyThenFail: true, body: `error code: ${status}` }));
      const first = await runDelivery(ctx, { deliveryId: row.id });
      expect(first).toMatchObject({ step: "attempted", status: "retrying", code: "server_error" });
      const waiting = await getDelivery(env.DB, row.id);
      expect(JSON.parse(waiting?.reconcile_state ?? "null")).toMatchObject({ baseline: 0, stamps: 1 });
      // Read back no sooner than the settle time, even though the retry schedule says 1 s.
      expect(waiting?.next_attempt_at).toBe(T0 + config.delivery.ambiguous_settle_seconds * 1000);

      setNow(waiting?.next_attempt_at ?? T0);
      const second = await runDelivery(ctx, { deliveryId: row.id });
      expect(second).toMatchObject({ step: "attempted", status: "succeeded", code: "reconciled" });
      expect(await getDelivery(env.DB, row.id)).toMatchObject({ status: "succeeded", reconcile_state: null });
      expect(await stampsOf(email)).toEqual([1]);
      expect(await vendorCalls("/v3/loyaltyusers/update")).toHaveLength(1);
    },
  );

  it("not applied: the call runs again on the next attempt, one stamp", async () => {
    const { ctx, setNow } = harness({});
    const email = "proxy-na@example.com";
    const row = await planned("px-na", email);
    await injectFault(onUpdate({ status: 520, body: "error code: 520" }));
    expect(await runDelivery(ctx, { deliveryId: row.id })).toMatchObject({ status: "retrying" });
    setNow(T0 + 60_000);
    expect(await runDelivery(ctx, { deliveryId: row.id })).toMatchObject({ status: "succeeded" });
    expect(await stampsOf(email)).toEqual([1]);
    expect((await vendorCalls("/v3/loyaltyusers/update")).map((r) => r.fault)).toEqual([true, false]);
  });

  it("a balance the answer does not show cannot be checked: outcome_unknown at once", async () => {
    const { ctx } = harness({ balance_field: "points_total" });
    const email = "proxy-nobalance@example.com";
    const row = await planned("px-nb", email);
    await injectFault(onUpdate({ status: 503, applyThenFail: true }));
    expect(await runDelivery(ctx, { deliveryId: row.id })).toMatchObject({
      step: "attempted",
      status: "dead",
      outcome: "unknown",
      code: "outcome_unknown",
    });
    expect(await stampsOf(email)).toEqual([1]);
  });

  it("a worker lost mid-call after saving its baseline: the next attempt reconciles, no operator", async () => {
    const { ctx, config: proxyConfig, setNow } = harness({});
    const email = "proxy-lost@example.com";
    const row = await planned("px-lost", email);
    const spec = proxyConfig.reactions.find((r) => r.name === "paid-order-stamps");
    if (!spec) throw new Error("paid-order-stamps missing");
    // The worker claims the delivery, saves its baseline, its stamps call lands... and it dies unrecorded.
    const attempt = await claimDelivery(env.DB, row.id, {
      now: T0,
      leaseMs: config.delivery.lease_ms,
      retakeExpired: false,
      request: { method: "-", path: "(planned)" },
    });
    if (attempt === null) throw new Error("not claimed");
    const event = readStoredEvent((await eventRow(row.event_id)).event_json);
    await spec.recipe.run(event, spec.options, {
      membrane: ctx.membrane,
      connectionId: spec.connection,
      checkpoint: async (saved) => {
        await saveReconcileState(env.DB, row.id, attempt, JSON.stringify(saved));
      },
    });
    expect(await stampsOf(email)).toEqual([1]);

    // Past the lease, it waits out the settle time (the lost call could still land), then reads the balance.
    const leaseEnd = T0 + config.delivery.lease_ms;
    setNow(leaseEnd + 1);
    const settleEnd = leaseEnd + config.delivery.ambiguous_settle_seconds * 1000;
    expect(await runDelivery(ctx, { deliveryId: row.id })).toEqual({ step: "held", until: settleEnd });
    setNow(settleEnd);
    expect(await runDelivery(ctx, { deliveryId: row.id })).toMatchObject({
      step: "attempted",
      attempt: 2,
      status: "succeeded",
      code: "reconciled",
    });
    expect(await stampsOf(email)).toEqual([1]);
    expect(await vendorCalls("/v3/loyaltyusers/update")).toHaveLength(1);
  });
});
