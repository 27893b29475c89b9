import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { parseReactions } from "../../src/config/reactions";
import { runDelivery } from "../../src/delivery/attempt/run-delivery";
import { type DeliveryContext, deliveryContext } from "../../src/delivery/context";
import { planEvent } from "../../src/delivery/plan-event";
import type { DeadLetterMessage, DeliveryMessage, EventMessage } from "../../src/queue/messages";
import type { DeliveryRow } from "../../src/store/deliveries";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import vipOrder from "../fixtures/kooomo/order-paid-vip.json";
import { acceptedId, deliver } from "../support/deliveries";
import { injectFault, recordedRequests, resetEmulator } from "../support/emulator";
import { recordingQueue } from "../support/recording-queue";
import { deliveriesOf, eventRow, storeUnqueued } from "../support/stored-events";
import { waitFor } from "../support/wait";

// wrangler.toml's declarative reaction (vip-coupon-by-email) through the real ingress, queues, lanes, D1 and the
// Membrane emulator; its alert reaction (alerts-to-chat, left out of the tests' REACTIONS) with the whole
// shipped table, driven step by step on the real D1 and emulator.

const settled = (rows: DeliveryRow[]) =>
  rows.length > 0 && rows.every((d) => d.status === "succeeded" || d.status === "dead");
const settle = (eventId: string) =>
  waitFor(() => deliveriesOf(eventId), settled, { timeoutMs: 15_000, what: `deliveries of ${eventId}` });

function vip(id: string) {
  return { ...vipOrder, id: `evt_${id}`, data: { ...vipOrder.data, id, number: id } };
}

function shippedHarness() {
  const base = loadConfig(env);
  const events = recordingQueue<EventMessage>();
  const testEnv = {
    ...env,
    EVENTS_QUEUE: events.queue,
    DELIVERIES_QUEUE: recordingQueue<DeliveryMessage>().queue,
    DEAD_LETTERS: recordingQueue<DeadLetterMessage>().queue,
  };
  const reactions = parseReactions(env.SHIPPED_REACTIONS, Object.keys(base.routes));
  return { ctx: deliveryContext(testEnv, { config: { ...base, reactions } }), events: events.sent };
}

async function planAndRun(ctx: DeliveryContext, eventId: string) {
  await planEvent(ctx, eventId, 1);
  for (const d of await deliveriesOf(eventId)) await runDelivery(ctx, { deliveryId: d.id });
  return deliveriesOf(eventId);
}

beforeEach(resetEmulator);

describe("the shipped declarative and alert reactions", () => {
  it("a paid order over 200 EUR sends the VIP coupon by e-mail with exactly the mapped input", async () => {
    const eventId = await acceptedId(await deliver("kooomo", vip("vip-e2e-1")));
    const rows = await settle(eventId);
    expect(rows.map((d) => [d.reaction, d.status])).toEqual([
      ["orders-to-ometria", "succeeded"],
      ["paid-order-stamps", "succeeded"],
      ["vip-coupon-by-email", "succeeded"],
    ]);
    const calls = await recordedRequests();
    const sends = calls.filter(
      (c) => c.path === "/act" && (c.body as { id: string }).id === "act_coupontools_send-coupon-by-email",
    );
    const { email, first_name, last_name } = vipOrder.data.customer;
    expect(sends.map((c) => c.body)).toEqual([
      {
        id: "act_coupontools_send-coupon-by-email",
        connectionId: "coupontools-demo",
        input: { campaignId: "vip-coupon", email, firstName: first_name, lastName: last_name },
      },
    ]);
    expect(calls.filter((c) => c.vendorPath === "/v3/send/email").map((c) => c.body)).toEqual([
      { campaign: "vip-coupon", email, firstname: first_name, lastname: last_name },
    ]);

    // The shipped 114.85 EUR order is under the threshold: no VIP delivery is planned for it.
    const small = await acceptedId(await deliver("kooomo", { ...orderPaid, id: "evt_vip_small" }));
    expect((await settle(small)).map((d) => d.reaction)).toEqual(["orders-to-ometria", "paid-order-stamps"]);
  });

  it("a dead VIP delivery is posted to the chat app by the shipped alert reaction, with ids and codes only", async () => {
    // The tests' REACTIONS leave alerts-to-chat out (vitest.config.ts): here the whole shipped table runs,
    // with recorded queues so the background consumer (without it) does not take these events.
    const { ctx, events } = shippedHarness();
    await injectFault({ match: { pathPrefix: "/v3/send/email" }, status: 400 });
    const eventId = await storeUnqueued("kooomo", vip("vip-e2e-2"));
    const rows = await planAndRun(ctx, eventId);
    const dead = rows.find((d) => d.reaction === "vip-coupon-by-email");
    expect(dead?.status).toBe("dead");
    expect(rows.filter((d) => d.status === "succeeded").map((d) => d.reaction)).toEqual([
      "orders-to-ometria",
      "paid-order-stamps",
    ]);

    expect(events).toHaveLength(1);
    const alertId = events[0]?.body.eventId ?? "";
    const alert = await eventRow(alertId);
    expect(alert).toMatchObject({
      route: "hookbridge",
      vendor: "hookbridge",
      type: "hookbridge.delivery_dead",
    });
    expect((await planAndRun(ctx, alertId)).map((d) => [d.reaction, d.status])).toEqual([
      ["alerts-to-chat", "succeeded"],
    ]);
    const posts = (await recordedRequests()).filter((c) => c.vendorPath === "/chat.postMessage");
    expect(posts.map((c) => [c.connectionId, c.body])).toEqual([
      [
        "slack-demo",
        {
          channel: "#hookbridge-alerts",
          text: `Delivery ${dead?.id} of vip-coupon-by-email is dead (${dead?.last_error_code}, 1 attempts)`,
        },
      ],
    ]);
    const { email, first_name, last_name } = vipOrder.data.customer;
    const text = JSON.stringify([alert, posts]);
    for (const personal of [email, first_name, last_name]) expect(text).not.toContain(personal);
    // The chat delivery itself is an alert reaction's: had it died, it would have raised nothing.
    expect(events).toHaveLength(1);
  });
});
