import { describe, expect, it } from "vitest";
import { buildTimeline, type TimelineInput } from "../../../src/admin/dashboard/event/timeline";

const T0 = Date.UTC(2026, 11, 6, 12, 0);
const S = 1000;

type Delivery = TimelineInput["deliveries"][number];

function delivery(over: Partial<Delivery> = {}): Delivery {
  return {
    id: "e1:orders-to-ometria",
    reaction: "orders-to-ometria",
    connection_id: "ometria-demo",
    status: "pending",
    created_at: T0 + S,
    updated_at: T0 + S,
    completed_at: null,
    next_attempt_at: null,
    lease_until: null,
    last_error_code: null,
    ...over,
  };
}

function timeline(over: Partial<TimelineInput> = {}): TimelineInput {
  return {
    event: { route: "kooomo", received_at: T0, status: "processing", status_reason: null },
    deliveries: [delivery()],
    attempts: [],
    breakers: {},
    pauses: [],
    now: T0 + 60 * S,
    ...over,
  };
}

const texts = (input: TimelineInput) => buildTimeline(input).map((step) => step.text);
const waiting = (input: TimelineInput) => buildTimeline(input).find((step) => step.waiting)?.text;

describe("buildTimeline", () => {
  it("tells a delivery's whole story in time order: received, planned, attempts, the retry, the success", () => {
    const d = delivery({ status: "succeeded", completed_at: T0 + 20 * S, updated_at: T0 + 20 * S });
    const steps = buildTimeline(
      timeline({
        deliveries: [d],
        attempts: [
          {
            delivery_id: d.id,
            number: 2,
            started_at: T0 + 19 * S,
            outcome: "success",
            error_code: null,
            response_status: 200,
            duration_ms: 240,
          },
          {
            delivery_id: d.id,
            number: 1,
            started_at: T0 + 2 * S,
            outcome: "transient",
            error_code: "vendor_unavailable",
            response_status: 503,
            duration_ms: 1200,
          },
        ],
      }),
    );
    expect(steps.map((s) => [s.at - T0, s.tone, s.text])).toEqual([
      [0, "info", "Received on route kooomo"],
      [1000, "info", "Planned 1 (orders-to-ometria)"],
      [2000, "wait", "orders-to-ometria: attempt 1 failed, will be retried (503): vendor_unavailable in 1 s"],
      [19000, "ok", "orders-to-ometria: attempt 2 succeeded in 240 ms"],
      [20000, "ok", "orders-to-ometria succeeded"],
    ]);
    expect(steps.some((s) => s.waiting)).toBe(false);
  });

  it("names a pause of the delivery's connection or of its event's route as why it waits", () => {
    const pause = { kind: "connection" as const, name: "ometria-demo", paused_at: T0 };
    expect(waiting(timeline({ pauses: [pause] }))).toBe(
      "orders-to-ometria waits: paused: the connection ometria-demo is paused",
    );
    const route = { kind: "route" as const, name: "kooomo", paused_at: T0 };
    expect(waiting(timeline({ pauses: [route] }))).toContain("paused: the route kooomo is paused");
    const other = { kind: "connection" as const, name: "coupontools-demo", paused_at: T0 };
    expect(waiting(timeline({ pauses: [other] }))).not.toContain("paused");
  });

  it("names an open breaker and when it probes, and a probing one", () => {
    const now = T0 + 60 * S;
    const open = { "ometria-demo": { state: "open" as const, probe_at: now + 25 * S } };
    expect(waiting(timeline({ breakers: open, now }))).toBe(
      "orders-to-ometria waits: breaker open on ometria-demo, probes in 25 s",
    );
    const probing = { "ometria-demo": { state: "half_open" as const } };
    expect(waiting(timeline({ breakers: probing }))).toContain("breaker probing ometria-demo");
  });

  it("gives a future retry as a wait, and a retry time already past as the delivery's turn in the lane", () => {
    const now = T0 + 60 * S;
    const later = delivery({ status: "retrying", next_attempt_at: now + 5 * 60 * S });
    expect(waiting(timeline({ deliveries: [later], now }))).toBe(
      "orders-to-ometria waits: next attempt in 5 min 0 s",
    );
    const past = delivery({ status: "retrying", next_attempt_at: now - 30 * S });
    const text = waiting(timeline({ deliveries: [past], now }));
    expect(text).toBe("orders-to-ometria waits: due now, waiting for its turn in the lane of ometria-demo");
    expect(text).not.toContain("next attempt");
  });

  it("says a delivery runs while its attempt is out, and that a lost worker's claim will be taken again", () => {
    const now = T0 + 60 * S;
    const running = delivery({ status: "in_flight", lease_until: now + 10 * S });
    expect(waiting(timeline({ deliveries: [running], now }))).toBe(
      "orders-to-ometria is running: an attempt is running",
    );
    const lost = delivery({ status: "in_flight", lease_until: now - S });
    expect(waiting(timeline({ deliveries: [lost], now }))).toContain("lease ran out");
  });

  it("ends a dead delivery with its code and no wait; an event without deliveries says why", () => {
    const dead = delivery({ status: "dead", last_error_code: "vendor_rejected", updated_at: T0 + 9 * S });
    expect(texts(timeline({ deliveries: [dead] })).at(-1)).toBe(
      "orders-to-ometria dead-lettered (vendor_rejected)",
    );
    const none = timeline({
      deliveries: [],
      event: {
        route: "kooomo",
        received_at: T0,
        status: "unrecognized",
        status_reason: "unknown event type",
      },
    });
    expect(texts(none)).toEqual(["Received on route kooomo", "unknown event type"]);
  });
});
