import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { type BridgeConfig, loadConfig } from "../../src/config";
import { parseReactions } from "../../src/config/reactions";
import { incidentAlert } from "../../src/delivery/alerts";
import { runDelivery } from "../../src/delivery/attempt/run-delivery";
import { type DeliveryContext, deliveryContext } from "../../src/delivery/context";
import { CLOSED, probing } from "../../src/delivery/lane/breaker";
import { incidentAfter, incidentEndsAt } from "../../src/delivery/lane/incident";
import { planEvent } from "../../src/delivery/plan-event";
import type { DeadLetterMessage, DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { claimDelivery } from "../../src/store/deliveries";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import { recordedRequests, resetEmulator } from "../support/emulator";
import { recordingQueue } from "../support/recording-queue";
import { deliveriesOf, eventRow, storeUnqueued } from "../support/stored-events";

// Alerts through the real planner, D1 and the emulator's demo chat app (slack-demo). The queues are recorded,
// so the background consumer (which runs wrangler.toml's reactions) never sees these events.

const base = loadConfig(env);

// Dies on every order.paid: the mapping has no phone to send, and `phone` is required.
const failing = {
  connection: "coupontools-demo",
  on: ["order.paid"],
  action: {
    key: "create-directory-user",
    input: '{"directoryId": "vip", "email": data.customer.email, "phone": data.status = "never" ? "+1"}',
  },
  required: ["phone"],
};

const opsAlert = (body: string) => ({
  connection: "slack-demo",
  on: ["hookbridge.delivery_dead"],
  request: { method: "POST", path: "/chat.postMessage", body },
});
const ALERT_TEXT =
  '{"channel": "#ops", "text": "Delivery " & data.delivery_id & " of " & data.reaction & " died: " & data.code & " after " & data.attempts & " attempt(s)"}';

function harness(reactions: Record<string, unknown>) {
  const events = recordingQueue<EventMessage>();
  const config: BridgeConfig = { ...base, reactions: parseReactions(reactions, Object.keys(base.routes)) };
  const testEnv = {
    ...env,
    EVENTS_QUEUE: events.queue,
    DELIVERIES_QUEUE: recordingQueue<DeliveryMessage>().queue,
    DEAD_LETTERS: recordingQueue<DeadLetterMessage>().queue,
  };
  return { ctx: deliveryContext(testEnv, { config }), alerts: events.sent };
}

async function planAndRun(ctx: DeliveryContext, eventId: string) {
  await planEvent(ctx, eventId, 1);
  for (const d of await deliveriesOf(eventId)) await runDelivery(ctx, { deliveryId: d.id });
  return deliveriesOf(eventId);
}

beforeEach(resetEmulator);

describe("alerts", () => {
  it("a dead delivery raises hookbridge.delivery_dead, which an alert reaction posts without personal data", async () => {
    const { ctx, alerts } = harness({ "vip-phone": failing, "ops-alerts": opsAlert(ALERT_TEXT) });
    const order = { ...orderPaid, id: "evt_alert_1", data: { ...orderPaid.data, id: "alert-1" } };
    const eventId = await storeUnqueued("kooomo", order);
    const [dead] = await planAndRun(ctx, eventId);
    expect(dead).toMatchObject({
      reaction: "vip-phone",
      status: "dead",
      last_error_code: "event_data_missing",
    });

    expect(alerts).toHaveLength(1);
    const alertId = alerts[0]?.body.eventId ?? "";
    const stored = await eventRow(alertId);
    expect(stored).toMatchObject({
      route: "hookbridge",
      vendor: "hookbridge",
      type: "hookbridge.delivery_dead",
    });
    expect(JSON.parse(stored.event_json).data).toEqual({
      delivery_id: dead?.id,
      event_id: eventId,
      reaction: "vip-phone",
      connection: "coupontools-demo",
      code: "event_data_missing",
      attempts: 1,
    });

    const [posted] = await planAndRun(ctx, alertId);
    expect(posted).toMatchObject({ reaction: "ops-alerts", status: "succeeded" });
    const messages = (await recordedRequests()).filter((r) => r.vendorPath === "/chat.postMessage");
    expect(messages.map((r) => [r.connectionId, r.body])).toEqual([
      [
        "slack-demo",
        {
          channel: "#ops",
          text: `Delivery ${dead?.id} of vip-phone died: event_data_missing after 1 attempt(s)`,
        },
      ],
    ]);
    // Nothing of the customer reaches the alert: not its address, names, or the failure's free text.
    const everything = JSON.stringify([stored, messages]);
    const { email, first_name, last_name } = orderPaid.data.customer;
    for (const personal of [email, first_name, last_name, "yields no value"])
      expect(everything).not.toContain(personal);
  });

  it("an alert reaction whose own delivery dies raises no alert: alerts cannot loop", async () => {
    const { ctx, alerts } = harness({
      "vip-phone": failing,
      // Its mapping needs a field alerts do not have a value for, so every one of its deliveries dies.
      "ops-alerts": {
        ...opsAlert('{"channel": "#ops", "text": data.code}'),
        required: ["channel", "blocks"],
      },
    });
    const eventId = await storeUnqueued("kooomo", { ...orderPaid, id: "evt_alert_2" });
    await planAndRun(ctx, eventId);
    expect(alerts).toHaveLength(1);
    const [alertDelivery] = await planAndRun(ctx, alerts[0]?.body.eventId ?? "");
    expect(alertDelivery).toMatchObject({ reaction: "ops-alerts", status: "dead" });
    expect(alerts).toHaveLength(1);
    const { results } = await env.DB.prepare(
      "SELECT count(*) AS n FROM events WHERE route = 'hookbridge' AND event_json LIKE ?1",
    )
      .bind(`%${alertDelivery?.id}%`)
      .all<{ n: number }>();
    expect(results[0]?.n).toBe(0);
  });

  it("an interrupted non-idempotent attempt (outcome unknown) raises an alert too", async () => {
    const { ctx, alerts } = harness({
      directory: {
        connection: "coupontools-demo",
        on: ["order.paid"],
        action: { key: "create-directory-user", input: '{"directoryId": "d", "email": data.customer.email}' },
      },
      "ops-alerts": opsAlert(ALERT_TEXT),
    });
    const eventId = await storeUnqueued("kooomo", { ...orderPaid, id: "evt_alert_4" });
    await planEvent(ctx, eventId, 1);
    const [row] = await deliveriesOf(eventId);
    // A worker claimed it long ago and vanished: its call may have gone out.
    await claimDelivery(env.DB, row?.id ?? "", {
      now: Date.now() - 60_000,
      leaseMs: 1_000,
      retakeExpired: false,
      request: { method: "-", path: "(planned)" },
    });
    expect(await runDelivery(ctx, { deliveryId: row?.id ?? "" })).toEqual({ step: "outcome_unknown" });
    expect(alerts).toHaveLength(1);
    const alert = await eventRow(alerts[0]?.body.eventId ?? "");
    expect(JSON.parse(alert.event_json).data).toMatchObject({
      delivery_id: row?.id,
      reaction: "directory",
      code: "outcome_unknown",
      attempts: 1,
    });
  });

  it("stores nothing when no reaction listens to the alert", async () => {
    const { ctx, alerts } = harness({ "vip-phone": failing });
    const eventId = await storeUnqueued("kooomo", { ...orderPaid, id: "evt_alert_3" });
    const [dead] = await planAndRun(ctx, eventId);
    expect(dead?.status).toBe("dead");
    expect(alerts).toEqual([]);
  });
});

describe("incident alerts", () => {
  const reactions = parseReactions({ "ops-alerts": opsAlert(ALERT_TEXT) }, Object.keys(base.routes));
  const T = 1_000_000;
  const open = {
    state: "open",
    openedAt: T,
    probeAt: T + 30_000,
    reason: "HTTP 503: <vendor body>",
    calls: 40,
    failures: 30,
  } as const;
  const half = probing(open);

  it("one when the incident starts and one when it ends; a flap inside it is counted, not posted", () => {
    const start = incidentAfter(undefined, CLOSED, open, T);
    expect(start.started).toBe(true);
    if (!start.incident) throw new Error("no incident");
    const opened = incidentAlert("ct", reactions, {
      kind: "incident_started",
      incident: start.incident,
      breaker: open,
      code: "server_error",
    });
    expect(opened).toEqual({
      type: "hookbridge.breaker_opened",
      key: `ct:${T}`,
      subject: "ct",
      data: { connection: "ct", failures: 30, calls: 40, code: "server_error", probe_in_seconds: 30 },
    });
    // The breaker's reason may echo the vendor's body: it is not in the alert.
    expect(JSON.stringify(opened)).not.toContain("vendor body");
    // The breaker's own changes are never posted.
    expect(incidentAlert("ct", reactions, { kind: "breaker", previous: CLOSED, next: open })).toBeUndefined();

    // It closes, opens again within the quiet time (a flap), then closes for good.
    const closed = incidentAfter(start.incident, half, CLOSED, T + 40_000);
    expect(closed).toEqual({ incident: { ...start.incident, closedAt: T + 40_000 }, started: false });
    const flap = incidentAfter(closed.incident, CLOSED, { ...open, openedAt: T + 60_000 }, T + 60_000);
    expect(flap).toEqual({ incident: { startedAt: T, openings: 2, failures: 0, held: 0 }, started: false });
    const last = incidentAfter(flap.incident, half, CLOSED, T + 100_000).incident;
    if (!last) throw new Error("no incident");
    const quietMs = base.delivery.incident_quiet_seconds * 1000;
    expect(incidentEndsAt(last, quietMs)).toBe(T + 100_000 + quietMs);
    const ended = { ...last, failures: 31, held: 12 };
    expect(
      incidentAlert("ct", reactions, { kind: "incident_ended", incident: ended, now: T + 100_000 + quietMs }),
    ).toEqual({
      type: "hookbridge.breaker_closed",
      key: `ct:${T}`,
      subject: "ct",
      data: {
        connection: "ct",
        failures: 31,
        openings: 2,
        deliveries_held: 12,
        duration_seconds: 100 + quietMs / 1000,
      },
    });
  });

  it("none for the connection that carries an alert reaction: its failures cannot alert itself", () => {
    const { incident } = incidentAfter(undefined, CLOSED, open, T);
    if (!incident) throw new Error("no incident");
    expect(
      incidentAlert("slack-demo", reactions, { kind: "incident_started", incident, breaker: open }),
    ).toBeUndefined();
  });
});
