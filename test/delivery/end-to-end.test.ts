import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { consumeBatch } from "../../src/delivery/consumer";
import type { DeliveryRow } from "../../src/store/deliveries";
import couponValidated from "../fixtures/coupontools/coupon-validated.json";
import customerCreated from "../fixtures/kooomo/customer-created.json";
import erasure from "../fixtures/kooomo/customer-erasure-requested.json";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import { acceptedId, deliver } from "../support/deliveries";
import { emulatorState, injectFault, recordedRequests, resetEmulator } from "../support/emulator";
import { paidOrderPayload } from "../support/orders";
import { deliveriesOf } from "../support/stored-events";
import { waitFor } from "../support/wait";

// Webhook in, real queues, real consumer, real D1, the Membrane emulator behind the MEMBRANE binding.
// In tests the retry schedule is [1, 1, 1] s and the Membrane timeout 1.5 s (vitest.config.ts).

interface AttemptRow {
  number: number;
  outcome: string;
  error_code: string | null;
  response_status: number | null;
  request_summary: string;
  action_run_id: string | null;
}

async function attemptsOf(deliveryId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM attempts WHERE delivery_id = ?1 ORDER BY number")
    .bind(deliveryId)
    .all<AttemptRow>();
  return results;
}

async function eventRow(id: string) {
  return env.DB.prepare("SELECT status, status_reason, verification FROM events WHERE id = ?1")
    .bind(id)
    .first();
}

const settled = (rows: DeliveryRow[]) =>
  rows.length > 0 && rows.every((d) => d.status === "succeeded" || d.status === "dead");

async function settle(eventId: string, timeoutMs = 10_000) {
  return waitFor(() => deliveriesOf(eventId), settled, {
    timeoutMs,
    what: `deliveries of ${eventId} to settle`,
  });
}

function delivery(rows: DeliveryRow[], reaction: string): DeliveryRow {
  const row = rows.find((d) => d.reaction === reaction);
  if (!row) throw new Error(`no ${reaction} delivery among ${rows.map((d) => d.reaction).join(", ")}`);
  return row;
}

const paidOrder = paidOrderPayload;

const stampCalls = async () =>
  (await recordedRequests()).filter((r) => r.vendorPath === "/v3/loyaltyusers/update" && !r.fault);

beforeEach(resetEmulator);

describe("recipes, through the real pipeline", () => {
  it("order.paid adds a loyalty stamp in Coupontools and pushes the order to Ometria", async () => {
    const eventId = await acceptedId(await deliver("kooomo", paidOrder("e2e-1")));
    const rows = await settle(eventId);
    expect(rows.map((d) => [d.reaction, d.status, d.attempts])).toEqual([
      ["orders-to-ometria", "succeeded", 1],
      ["paid-order-stamps", "succeeded", 1],
    ]);

    const state = await emulatorState();
    const email = orderPaid.data.customer.email.toLowerCase();
    expect(state.loyaltyUsers.find((u) => u.email === email)?.stamps).toBe(1);

    const calls = await recordedRequests();
    // paid-order-stamps runs through Membrane actions (wrangler.toml): the card is searched for the customer
    // by the address's local part (the v3 search, through the proxy: find_by "auto"), the user is created and
    // linked (the card had none), searched again for the new user's stamp balance (what an ambiguous stamps
    // call is reconciled against), then the stamp is added; each action's vendor calls are logged with its key.
    // Each action runs by the id the workspace's definition gave (read before its first run on the connection).
    const acts = calls.filter((c) => c.path === "/act").map((c) => (c.body as { id: string }).id);
    expect(acts).toEqual([
      "act_coupontools_create-loyalty-card-user",
      "act_coupontools_add-stamps-to-loyalty-card",
    ]);
    const coupontools = calls.filter((c) => c.connectionId === "coupontools-demo" && c.vendorPath);
    expect(coupontools.map((c) => [c.action ?? "proxy", c.vendorPath])).toEqual([
      ["proxy", "/v3/loyaltyusers/search"],
      ["create-loyalty-card-user", "/v3/loyaltyusers/create"],
      ["create-loyalty-card-user", "/v3/loyaltyusers/link"],
      ["proxy", "/v3/loyaltyusers/search"],
      ["add-stamps-to-loyalty-card", "/v3/loyaltyusers/update"],
    ]);
    const stamp = calls.find(
      (c) =>
        c.path === "/act" && (c.body as { id: string }).id === "act_coupontools_add-stamps-to-loyalty-card",
    );
    expect(stamp).toMatchObject({
      method: "POST",
      headers: { contentType: "application/json", membraneApiVersion: "2025-10-21" },
      body: {
        connectionId: "coupontools-demo",
        input: { loyaltyCardId: "demo-card", userId: expect.any(String), stamps: 1 },
      },
      auth: { scheme: "Bearer", kind: "jwt", header: { alg: "HS256", typ: "JWT" } },
    });
    expect(stamp?.auth).toMatchObject({ claims: { iss: "demo-workspace-key", exp: expect.any(Number) } });
    // The action run id is kept on the attempt for the operator.
    const stampAttempts = await attemptsOf(delivery(rows, "paid-order-stamps").id);
    expect(stampAttempts[0]?.action_run_id).toMatch(/^arun_/);
    expect((await attemptsOf(delivery(rows, "orders-to-ometria").id))[0]?.action_run_id).toBeNull();

    const push = calls.find((c) => c.vendorPath === "/push");
    expect(push).toMatchObject({
      method: "POST",
      path: "/connections/ometria-demo/proxy/push",
      body: [
        {
          "@type": "order",
          id: "e2e-1",
          currency: orderPaid.data.currency,
          is_valid: true,
          customer: { email },
        },
      ],
    });
    expect(await eventRow(eventId)).toMatchObject({ status: "done" });
  });

  it("customer.erasure_requested creates an Ometria GDPR deletion request for the e-mail", async () => {
    const eventId = await acceptedId(await deliver("kooomo", { ...erasure, id: "evt_erase_e2e" }));
    const rows = await settle(eventId);
    expect(delivery(rows, "erasure-to-ometria").status).toBe("succeeded");
    const { deletionRequests } = await emulatorState();
    expect(deletionRequests).toHaveLength(1);
    expect(deletionRequests[0]).toMatchObject({ connectionId: "ometria-demo", email: erasure.data.email });
    // Through the create-gdpr-deletion-request action (the recipe's default: the body's fields are not public).
    const calls = await recordedRequests();
    expect(calls.find((c) => c.path === "/act")).toMatchObject({
      method: "POST",
      body: {
        id: "act_ometria_create-gdpr-deletion-request",
        connectionId: "ometria-demo",
        input: { email: erasure.data.email, comment: expect.stringContaining(eventId) },
      },
    });
    expect(calls.find((c) => c.vendorPath === "/data-deletion-requests")).toMatchObject({
      action: "create-gdpr-deletion-request",
    });
  });

  it("a genuine coupon.validated is confirmed with Coupontools, then pushed to Ometria as a custom event", async () => {
    const eventId = await acceptedId(
      await deliver("coupontools", { ...couponValidated, id: "evt_genuine1" }),
    );
    const rows = await settle(eventId);
    expect(delivery(rows, "coupon-events-to-ometria").status).toBe("succeeded");
    expect(await eventRow(eventId)).toMatchObject({ status: "done", verification: "confirmed" });

    const calls = await recordedRequests();
    const verification = calls.find((c) => c.vendorPath === "/v3/webhook/verification");
    expect(verification).toMatchObject({
      path: "/connections/coupontools-demo/proxy/v3/webhook/verification",
      body: { webhook: "evt_genuine1" },
    });
    const push = calls.find((c) => c.vendorPath === "/push");
    expect(push?.body).toEqual([
      {
        "@type": "custom_event",
        id: eventId,
        timestamp: expect.any(String),
        event_type: "coupon_validated",
        identity_email: couponValidated.data.email,
        properties: expect.objectContaining({ code: couponValidated.data.code }),
      },
    ]);
    // The verification call came before the push.
    expect(calls.indexOf(verification as (typeof calls)[number])).toBeLessThan(
      calls.indexOf(push as (typeof calls)[number]),
    );
  });

  it("a Coupontools delivery reported not genuine is marked so and gets no reactions", async () => {
    // Coupontools never sent this id: its verification call answers "Webhook not found." (509).
    const eventId = await acceptedId(
      await deliver("coupontools", { ...couponValidated, id: "evt_forged1" }, { sentByCoupontools: false }),
    );
    const row = await waitFor(
      () => eventRow(eventId),
      (r) => r?.status === "rejected",
      { what: "rejection" },
    );
    expect(row).toMatchObject({
      verification: "not_genuine",
      status_reason: expect.stringContaining("Webhook not found."),
    });
    expect(await deliveriesOf(eventId)).toEqual([]);
    expect((await recordedRequests()).filter((c) => c.vendorPath === "/push")).toEqual([]);
  });

  it("customer.created with consent registers a directory user; without consent nothing is sent", async () => {
    const withConsent = await acceptedId(
      await deliver("kooomo", { ...customerCreated, id: "evt_consent_yes" }),
    );
    const without = await acceptedId(
      await deliver("kooomo", {
        ...customerCreated,
        id: "evt_consent_no",
        data: { ...customerCreated.data, id: 9001, email: "bob@example.com", privacy_marketing: "0" },
      }),
    );
    expect(delivery(await settle(withConsent), "consenting-customers-to-directory").status).toBe("succeeded");
    expect(delivery(await settle(without), "consenting-customers-to-directory").status).toBe("succeeded");
    const { directoryUsers } = await emulatorState();
    expect(directoryUsers.map((u) => u.email)).toEqual(["ada@example.com"]);
    const calls = (await recordedRequests()).filter((c) => c.vendorPath?.startsWith("/v4/directory/"));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      path: "/connections/coupontools-demo/proxy/v4/directory/demo-directory/users",
    });
  });
});

describe("retries and dead letters", () => {
  it.each([
    ["500", "paid-order-stamps", "/v3/loyaltyusers/update", { status: 500 }, "server_error"],
    [
      "429 with Retry-After",
      "paid-order-stamps",
      "/v3/loyaltyusers/update",
      // Three: a refused stamps call is sent twice more within its attempt (src/reactions/retry-in-attempt.ts).
      { status: 429, retryAfterSeconds: 1, times: 3 },
      "rate_limited",
    ],
    ["a timeout", "orders-to-ometria", "/push", { delayMs: 2_500 }, "timeout"],
  ] as const)("retries after %s, then succeeds (%s)", async (_name, reaction, pathPrefix, fault, code) => {
    await injectFault({ match: { pathPrefix }, times: 1, ...fault });
    const eventId = await acceptedId(await deliver("kooomo", paidOrder(`retry-${code}`)));
    const retried = delivery(await settle(eventId, 15_000), reaction);
    expect(retried).toMatchObject({ status: "succeeded", attempts: 2 });
    const attempts = await attemptsOf(retried.id);
    expect(attempts.map((a) => [a.outcome, a.error_code])).toEqual([
      ["transient", code],
      ["success", null],
    ]);
  });

  it("does not repeat a stamp call that timed out: it reads the balance back once the late call landed", async () => {
    await injectFault({ match: { pathPrefix: "/v3/loyaltyusers/update" }, times: 1, delayMs: 2_500 });
    const eventId = await acceptedId(await deliver("kooomo", paidOrder("stamp-timeout")));
    const stamps = delivery(await settle(eventId, 15_000), "paid-order-stamps");
    // The slow call did land upstream after the bridge gave up on it; the next attempt (after the settle
    // time) found the balance one higher than before the call: reconciled, not repeated.
    expect(stamps).toMatchObject({ status: "succeeded", attempts: 2 });
    expect((await attemptsOf(stamps.id)).map((a) => [a.outcome, a.error_code])).toEqual([
      ["transient", "timeout"],
      ["success", "reconciled"],
    ]);
    expect((await emulatorState()).loyaltyUsers[0]?.stamps).toBe(1);
    const updates = (await recordedRequests()).filter((r) => r.vendorPath === "/v3/loyaltyusers/update");
    expect(updates).toHaveLength(1);
  });

  it.each([
    [400, "bad_request"],
    [401, "not_authenticated"],
    [404, "not_found"],
  ])("dead-letters at once on %i, with the request and response kept", async (status, code) => {
    await injectFault({ match: { pathPrefix: "/push" }, status, times: 1 });
    const eventId = await acceptedId(await deliver("kooomo", paidOrder(`dead-${status}`)));
    const rows = await settle(eventId);
    const push = delivery(rows, "orders-to-ometria");
    expect(push).toMatchObject({ status: "dead", attempts: 1, last_error_code: code });
    const [attempt] = await attemptsOf(push.id);
    expect(attempt).toMatchObject({ outcome: "permanent", response_status: status });
    expect(JSON.parse(attempt?.request_summary ?? "{}")).toMatchObject({
      method: "POST",
      path: "/connections/ometria-demo/proxy/push",
    });
    expect(attempt?.request_summary).not.toMatch(/Bearer|eyJ/);
    expect(delivery(rows, "paid-order-stamps").status).toBe("succeeded");
    expect(await eventRow(eventId)).toMatchObject({ status: "failed" });
  });

  it("dead-letters after the last scheduled retry", async () => {
    await injectFault({ match: { pathPrefix: "/push" }, status: 503, times: 10 });
    const eventId = await acceptedId(await deliver("kooomo", paidOrder("exhaust")));
    const push = delivery(await settle(eventId, 20_000), "orders-to-ometria");
    expect(push).toMatchObject({ status: "dead", attempts: 4, last_error_code: "server_error" });
    expect(push.last_error).toMatch(/gave up after 4 attempts/);
    expect((await attemptsOf(push.id)).map((a) => a.outcome)).toEqual([
      "transient",
      "transient",
      "transient",
      "transient",
    ]);
  });

  it("a paid order without a customer e-mail fails that delivery permanently with a reason, sending nothing", async () => {
    const eventId = await acceptedId(await deliver("kooomo", paidOrder("no-email", { email: null })));
    const stamps = delivery(await settle(eventId), "paid-order-stamps");
    expect(stamps).toMatchObject({ status: "dead", attempts: 1, last_error_code: "event_data_missing" });
    expect(stamps.last_error).toMatch(/no customer e-mail/);
    expect((await recordedRequests()).filter((c) => c.vendorPath?.startsWith("/v3/loyaltyusers"))).toEqual(
      [],
    );
  });

  it("a failing connection does not hold back reactions on another", async () => {
    await injectFault({ match: { connectionId: "coupontools-demo" }, status: 503, times: 50 });
    const eventId = await acceptedId(await deliver("kooomo", paidOrder("isolation")));
    const push = await waitFor(
      () => deliveriesOf(eventId),
      (rows) => rows.find((d) => d.reaction === "orders-to-ometria")?.status === "succeeded",
      { what: "the Ometria push" },
    );
    // The Ometria push is done while the Coupontools stamps are still being retried.
    expect(delivery(push, "paid-order-stamps").status).not.toBe("succeeded");
    expect(delivery(push, "orders-to-ometria").attempts).toBe(1);
    // Let the stamps run out of retries here, so no call of theirs lands in a later test.
    expect(delivery(await settle(eventId, 15_000), "paid-order-stamps").status).toBe("dead");
  });
});

describe("never applied twice", () => {
  it("a repeated webhook delivery adds no second stamp", async () => {
    const payload = paidOrder("twice");
    const first = await deliver("kooomo", payload, { id: "msg_twice" });
    const eventId = await acceptedId(first);
    const again = await deliver("kooomo", payload, { id: "msg_twice" });
    expect(again.status).toBe(200);
    await settle(eventId);
    expect(await stampCalls()).toHaveLength(1);
  });

  it("a redelivered event message re-plans nothing and adds no second stamp", async () => {
    const eventId = await acceptedId(await deliver("kooomo", paidOrder("requeued")));
    await settle(eventId);
    // Hand the consumer the same messages again, as the queue would on redelivery, and read its verdict.
    const batch = createMessageBatch("hookbridge-events", [
      { id: "again-event", timestamp: new Date(), attempts: 2, body: { eventId } },
      {
        id: "again-delivery",
        timestamp: new Date(),
        attempts: 2,
        body: { deliveryId: `${eventId}:paid-order-stamps` },
      },
    ]);
    const ctx = createExecutionContext();
    await consumeBatch(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect([...result.explicitAcks].sort()).toEqual(["again-delivery", "again-event"]);
    expect(result.retryMessages).toEqual([]);
    expect(await stampCalls()).toHaveLength(1);
    expect((await deliveriesOf(eventId)).map((d) => [d.status, d.attempts])).toEqual([
      ["succeeded", 1],
      ["succeeded", 1],
    ]);
  });
});
