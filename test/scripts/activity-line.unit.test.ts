import { describe, expect, it } from "vitest";
import { type ActivityItem, activityLine } from "../../scripts/lib/activity-line.ts";

const base: ActivityItem = {
  kind: "attempt.finished",
  at: "2026-12-06T12:00:01.234Z",
  event_id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
  route: "kooomo",
  type: "order.paid",
  status: "transient",
  reaction: "paid-order-stamps",
  attempt: 2,
  duration_ms: 3012,
  error_code: "upstream_5xx",
  request: "POST /act",
  next_attempt_at: "2026-12-06T12:00:09.000Z",
};

describe("a line of npm run tail", () => {
  it("tells a failed attempt's outcome, error, duration, call and next try", () => {
    expect(activityLine(base)).toBe(
      "12:00:01.234  kooomo      paid-order-stamps #2           attempt   transient  upstream_5xx  3.0 s  POST /act  next try 12:00:09.000",
    );
  });

  it("names an event by its type and the end of its id, and a planned delivery by its reaction", () => {
    const event = { ...base, kind: "event.received", status: "accepted", reaction: null, attempt: null };
    expect(activityLine(event)).toBe(
      "12:00:01.234  kooomo      order.paid                     received  accepted   event …2e3f4a5b",
    );
    expect(activityLine({ ...base, kind: "delivery.planned", status: "pending" })).toBe(
      "12:00:01.234  kooomo      paid-order-stamps              planned              event …2e3f4a5b",
    );
  });

  it("still prints a kind it does not know (a newer bridge)", () => {
    expect(activityLine({ ...base, kind: "delivery.paused" })).toContain("delivery.paused transient");
  });
});
