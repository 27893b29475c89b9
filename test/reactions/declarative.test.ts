import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { type BridgeConfig, loadConfig } from "../../src/config";
import { parseReactions } from "../../src/config/reactions";
import { runDelivery } from "../../src/delivery/attempt/run-delivery";
import { type DeliveryContext, deliveryContext } from "../../src/delivery/context";
import { planEvent } from "../../src/delivery/plan-event";
import type { DeadLetterMessage, DeliveryMessage } from "../../src/queue/messages";
import customerCreated from "../fixtures/kooomo/customer-created.json";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import { recordedRequests, resetEmulator } from "../support/emulator";
import { recordingQueue } from "../support/recording-queue";
import { attemptsOf, deliveriesOf, storeUnqueued } from "../support/stored-events";

// Declarative reactions through the real planner, D1 and the Membrane emulator; the work queues are recorded
// so the background consumer does not run these deliveries, and each test drives them itself.

const base = loadConfig(env);
const routes = Object.keys(base.routes);

function harness(reactions: Record<string, unknown>) {
  const deliveries = recordingQueue<DeliveryMessage>();
  const deadLetters = recordingQueue<DeadLetterMessage>();
  const config: BridgeConfig = { ...base, reactions: parseReactions(reactions, routes) };
  const testEnv = {
    ...env,
    DELIVERIES_QUEUE: deliveries.queue,
    DEAD_LETTERS: deadLetters.queue,
  };
  const ctx: DeliveryContext = deliveryContext(testEnv, { config });
  return { ctx, deadLetters: deadLetters.sent };
}

/** Stores and plans a Kooomo payload, then runs each planned delivery once. */
async function deliverOnce(ctx: DeliveryContext, payload: unknown) {
  const eventId = await storeUnqueued("kooomo", payload);
  await planEvent(ctx, eventId, 1);
  for (const d of await deliveriesOf(eventId)) await runDelivery(ctx, { deliveryId: d.id });
  return { eventId, deliveries: await deliveriesOf(eventId) };
}

function paidOrder(id: string, grandTotal: string) {
  return {
    ...orderPaid,
    id: `evt_${id}`,
    data: { ...orderPaid.data, id, number: id, grand_total: grandTotal },
  };
}

// Orders over 100 EUR (10000 cents): the fixture's grand_total is 114.85 EUR.
const BIG_ORDERS = 'data.total.currency = "EUR" and data.total.amount_minor > 10000';

beforeEach(resetEmulator);

describe("a declarative reaction", () => {
  it("through an action: runs only for events its filter holds for, with exactly the mapped input", async () => {
    const { ctx } = harness({
      "vip-directory": {
        connection: "coupontools-demo",
        on: ["order.paid"],
        when: BIG_ORDERS,
        app: "coupontools",
        action: {
          key: "create-directory-user",
          input:
            '{"directoryId": "vip", "email": data.customer.email, "firstName": data.customer.first_name}',
        },
      },
    });
    const small = await deliverOnce(ctx, paidOrder("decl-small", "99.99"));
    expect(small.deliveries).toEqual([]);

    const big = await deliverOnce(ctx, paidOrder("decl-big", "114.85"));
    expect(big.deliveries.map((d) => [d.reaction, d.recipe, d.status])).toEqual([
      ["vip-directory", "declarative.vip-directory", "succeeded"],
    ]);
    const acts = (await recordedRequests()).filter((r) => r.path.startsWith("/act"));
    expect(acts.map((r) => r.body)).toEqual([
      {
        id: "act_coupontools_create-directory-user",
        connectionId: "coupontools-demo",
        input: {
          directoryId: "vip",
          email: orderPaid.data.customer.email,
          firstName: orderPaid.data.customer.first_name,
        },
      },
    ]);
  });

  it("through the proxy: the path's {expressions} and the body are filled from the event", async () => {
    const { ctx } = harness({
      "big-orders-proxy": {
        connection: "coupontools-demo",
        on: ["order.paid"],
        when: BIG_ORDERS,
        request: {
          method: "POST",
          path: "/v4/directory/{data.order_id}/users",
          body: '{"email": data.customer.email, "custom_1": $string(data.total.amount_minor)}',
        },
      },
    });
    await deliverOnce(ctx, paidOrder("decl-small-p", "12.00"));
    const { deliveries } = await deliverOnce(ctx, paidOrder("decl/big p", "250.00"));
    expect(deliveries.map((d) => d.status)).toEqual(["succeeded"]);
    const calls = (await recordedRequests()).filter((r) => r.vendorPath?.startsWith("/v4/directory/"));
    expect(calls.map((r) => [r.method, r.vendorPath, r.body])).toEqual([
      [
        "POST",
        `/v4/directory/${encodeURIComponent("decl/big p")}/users`,
        { email: orderPaid.data.customer.email, custom_1: "25000" },
      ],
    ]);
  });

  it("maps from the vendor's payload as $raw, a field the canonical event lacks", async () => {
    const { ctx } = harness({
      "store-tag": {
        connection: "coupontools-demo",
        on: ["order.paid"],
        request: {
          method: "POST",
          path: "/v4/directory/{$raw.store}/users",
          body: '{"email": data.customer.email, "custom_2": $raw.data.payment_method}',
        },
      },
    });
    const { deliveries } = await deliverOnce(ctx, paidOrder("decl-raw", "10.00"));
    expect(deliveries.map((d) => d.status)).toEqual(["succeeded"]);
    const calls = (await recordedRequests()).filter((r) => r.vendorPath?.startsWith("/v4/directory/"));
    expect(calls.map((r) => [r.vendorPath, r.body])).toEqual([
      [`/v4/directory/${orderPaid.store}/users`, { email: orderPaid.data.customer.email, custom_2: "card" }],
    ]);
  });

  it("filters a recipe's reaction too, and reads the vendor's payload as $raw", async () => {
    const { ctx } = harness({
      "consenting-kooomo": {
        recipe: "coupontools.directory-user",
        connection: "coupontools-demo",
        options: { directory_id: "d1" },
        when: '$raw.data.email = "nobody@example.com"',
      },
    });
    const { deliveries } = await deliverOnce(ctx, customerCreated);
    expect(deliveries).toEqual([]);
    const { ctx: matching } = harness({
      "consenting-kooomo": {
        recipe: "coupontools.directory-user",
        connection: "coupontools-demo",
        options: { directory_id: "d1" },
        when: `$raw.data.email = "${customerCreated.data.email}"`,
      },
    });
    const second = await deliverOnce(matching, { ...customerCreated, id: `${customerCreated.id}-2` });
    expect(second.deliveries.map((d) => d.reaction)).toEqual(["consenting-kooomo"]);
  });

  it("fails one delivery with the reason when a mapping yields no value for a required input; nothing is sent", async () => {
    const { ctx, deadLetters } = harness({
      "needs-phone": {
        connection: "coupontools-demo",
        on: ["order.paid"],
        action: {
          key: "create-directory-user",
          input:
            '{"directoryId": "vip", "email": data.customer.email, "phone": data.status = "never" ? "+1"}',
        },
        required: ["email", "phone"],
      },
      "type-error": {
        connection: "coupontools-demo",
        on: ["order.paid"],
        action: { key: "create-directory-user", input: '{"directoryId": data.total.amount_minor + "a"}' },
      },
      "needs-order-number": {
        connection: "coupontools-demo",
        on: ["order.paid"],
        request: { method: "POST", path: "/v4/directory/x/users", body: 'data.status = "never" ? {}' },
      },
    });
    const { eventId, deliveries } = await deliverOnce(ctx, paidOrder("decl-missing", "114.85"));
    expect(deliveries.map((d) => [d.reaction, d.status, d.last_error_code, d.last_error])).toEqual([
      ["needs-order-number", "dead", "event_data_missing", "body mapping yields no value for this event"],
      ["needs-phone", "dead", "event_data_missing", "input mapping yields no value for required phone"],
      [
        "type-error",
        "dead",
        "event_data_missing",
        'mapping failed (T2002): The right side of the "+" operator must evaluate to a number',
      ],
    ]);
    expect((await attemptsOf(eventId)).map((a) => a.outcome)).toEqual([
      "permanent",
      "permanent",
      "permanent",
    ]);
    expect(deadLetters.map((m) => m.body.kind)).toEqual(["dead_delivery", "dead_delivery", "dead_delivery"]);
    expect((await recordedRequests()).filter((r) => r.connectionId !== null)).toEqual([]);
  });

  it("fails a delivery whose path value is a dot segment, plain or encoded, naming the field; nothing is sent", async () => {
    // encodeURIComponent keeps "..", and the URL parser resolves it (and %2e%2e): /{data.order_id}/users
    // would reach {MEMBRANE_API_URL}/connections/coupontools-demo/users, Membrane's own API, with the token.
    const { ctx, deadLetters } = harness({
      "out-of-proxy": {
        connection: "coupontools-demo",
        on: ["order.paid"],
        request: { method: "POST", path: "/{data.order_id}/users", body: "{}" },
      },
      "up-the-directory": {
        connection: "coupontools-demo",
        on: ["order.paid"],
        request: { method: "POST", path: "/v4/directory/{data.order_id}/users", body: "{}" },
      },
    });
    const cases = [
      ["..", 'path {data.order_id} yields the dot segment ".."; it would send the call to another path'],
      [
        "%2e%2e",
        'path {data.order_id} yields "%2e%2e", which holds the dot segment ".." (decoded, read as a path); it would send the call to another path',
      ],
      [
        "a/../b",
        'path {data.order_id} yields "a/../b", which holds the dot segment ".." (decoded, read as a path); it would send the call to another path',
      ],
    ];
    for (const [orderId, reason] of cases) {
      const { eventId, deliveries } = await deliverOnce(ctx, paidOrder(orderId ?? "", "114.85"));
      expect(deliveries.map((d) => [d.reaction, d.status, d.last_error_code, d.last_error])).toEqual([
        ["out-of-proxy", "dead", "event_data_missing", reason],
        ["up-the-directory", "dead", "event_data_missing", reason],
      ]);
      expect((await attemptsOf(eventId)).map((a) => a.outcome)).toEqual(["permanent", "permanent"]);
    }
    expect(deadLetters).toHaveLength(2 * cases.length);
    expect((await recordedRequests()).filter((r) => r.connectionId !== null)).toEqual([]);
  });

  it("fails a delivery whose path value is empty (it would leave // in the path); nothing is sent", async () => {
    const { ctx } = harness({
      "empty-part": {
        connection: "coupontools-demo",
        on: ["order.paid"],
        request: { method: "POST", path: '/v4/directory/{$raw.nothing & ""}/users', body: "{}" },
      },
    });
    const { deliveries } = await deliverOnce(ctx, paidOrder("decl-empty", "114.85"));
    expect(deliveries.map((d) => [d.status, d.last_error_code, d.last_error])).toEqual([
      ["dead", "event_data_missing", 'path {$raw.nothing & ""} yields an empty value for this event'],
    ]);
    expect((await recordedRequests()).filter((r) => r.connectionId !== null)).toEqual([]);
  });

  it("a recipe's option with a dot segment is refused by the Membrane client; nothing is sent", async () => {
    const { ctx } = harness({
      "directory-dots": {
        recipe: "coupontools.directory-user",
        connection: "coupontools-demo",
        options: { directory_id: ".." },
      },
    });
    const { deliveries } = await deliverOnce(ctx, customerCreated);
    expect(deliveries.map((d) => [d.status, d.last_error_code, d.last_error])).toEqual([
      [
        "dead",
        "unsafe_proxy_path",
        'The proxy path "/v4/directory/../users" holds the dot segment "..", which would send the call to another path; not sent',
      ],
    ]);
    expect((await recordedRequests()).filter((r) => r.connectionId !== null)).toEqual([]);
  });
});

// Finite runaways (about 1.8 million steps, a second without the limits), so that code without the limits fails
// these tests instead of spinning.
const runaway = (result: string) => `($f := function($n){ $n > 0 ? $f($n - 1) : ${result} }; $f(200000))`;
const STEADY = {
  connection: "coupontools-demo",
  on: ["order.paid"],
  action: { key: "create-directory-user", input: '{"directoryId": "steady", "email": data.customer.email}' },
};

describe("a runaway expression", () => {
  it("in a mapping fails its delivery with the reason, nothing is sent; a reaction beside it delivers", async () => {
    const { ctx, deadLetters } = harness({
      runaway: {
        connection: "coupontools-demo",
        on: ["order.paid"],
        action: {
          key: "create-directory-user",
          input: `{"directoryId": ${runaway('"vip"')}, "email": data.customer.email}`,
        },
      },
      steady: STEADY,
    });
    const { eventId, deliveries } = await deliverOnce(ctx, paidOrder("decl-runaway", "114.85"));
    expect(deliveries.map((d) => [d.reaction, d.status, d.last_error_code, d.last_error])).toEqual([
      [
        "runaway",
        "dead",
        "event_data_missing",
        "mapping stopped (step_limit): more than 50000 evaluation steps (a runaway or endlessly recursive expression)",
      ],
      ["steady", "succeeded", null, null],
    ]);
    expect((await attemptsOf(eventId)).map((a) => a.outcome).sort()).toEqual(["permanent", "success"]);
    expect(deadLetters.map((m) => m.body.kind)).toEqual(["dead_delivery"]);
    const acts = (await recordedRequests()).filter((r) => r.path.startsWith("/act"));
    expect(acts.map((r) => (r.body as { input: unknown }).input)).toEqual([
      { directoryId: "steady", email: orderPaid.data.customer.email },
    ]);
  });

  it("in a `when` filter counts as false and is logged with its code; a reaction beside it is planned", async () => {
    const warnings: string[] = [];
    const spy = vi
      .spyOn(console, "warn")
      .mockImplementation((line: unknown) => void warnings.push(String(line)));
    try {
      const { ctx } = harness({ "runaway-filter": { ...STEADY, when: runaway("true") }, steady: STEADY });
      const { eventId, deliveries } = await deliverOnce(ctx, paidOrder("decl-runaway-when", "114.85"));
      expect(deliveries.map((d) => [d.reaction, d.status])).toEqual([["steady", "succeeded"]]);
      expect(warnings.map((line) => JSON.parse(line)).filter((l) => l.msg === "plan.filter_failed")).toEqual([
        {
          level: "warn",
          msg: "plan.filter_failed",
          event_id: eventId,
          reaction: "runaway-filter",
          code: "step_limit",
        },
      ]);
    } finally {
      spy.mockRestore();
    }
  });
});
