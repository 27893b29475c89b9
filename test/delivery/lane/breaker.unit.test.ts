import { describe, expect, it } from "vitest";
import { deliverySettings } from "../../../src/config/delivery";
import {
  admission,
  afterCall,
  type BreakerState,
  type CallKind,
  CLOSED,
  probeEnded,
  probeOrder,
  probing,
} from "../../../src/delivery/lane/breaker";
import { breakerSettings } from "../../../src/delivery/lane/lane-health";
import type { LaneItem } from "../../../src/delivery/lane/work";

const item = (deliveryId: string, reaction: string): LaneItem => ({
  deliveryId,
  reaction,
  eventId: deliveryId,
  dueAt: 0,
  seq: 0,
});
const ids = (order: Map<string, LaneItem[]>) =>
  [...order].map(([name, items]) => [name, items.map((i) => i.deliveryId)]);

it("keeps the lane's order while no probe has failed", () => {
  const ready = new Map([
    ["stamps", [item("a", "stamps"), item("b", "stamps")]],
    ["events", [item("c", "events")]],
  ]);
  expect(ids(probeOrder(ready, new Set()))).toEqual([
    ["stamps", ["a", "b"]],
    ["events", ["c"]],
  ]);
});

it("puts deliveries whose probe failed last, and a reaction with nothing else to probe after the others", () => {
  const ready = new Map([
    ["stamps", [item("a", "stamps"), item("b", "stamps"), item("c", "stamps")]],
    ["events", [item("d", "events")]],
  ]);
  expect(ids(probeOrder(ready, new Set(["a"])))).toEqual([
    ["stamps", ["b", "c", "a"]],
    ["events", ["d"]],
  ]);
  expect(ids(probeOrder(ready, new Set(["a", "b", "c"])))).toEqual([
    ["events", ["d"]],
    ["stamps", ["a", "b", "c"]],
  ]);
  // Everything failed once: the oldest goes again.
  expect(ids(probeOrder(ready, new Set(["a", "b", "c", "d"])))[0]).toEqual(["stamps", ["a", "b", "c"]]);
});

/** A small seeded generator (mulberry32), so a sequence of outcomes is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// The shipped defaults (DELIVERY with nothing set).
const defaults = breakerSettings(deliverySettings.parse({}));

/** Feeds `calls` outcomes failing at `rate`, one every `everyMs`; answers the states it went through. */
function feed(rate: number, calls: number, everyMs: number, seed: number): Set<BreakerState["state"]> {
  const random = seeded(seed);
  let breaker: BreakerState = CLOSED;
  const seen = new Set<BreakerState["state"]>();
  for (let i = 0; i < calls; i++) {
    const kind: CallKind = random() < rate ? "transient" : "success";
    breaker = afterCall(breaker, kind, "HTTP 503", i * everyMs, defaults);
    seen.add(breaker.state);
  }
  return seen;
}

describe("at its default settings, fed a seeded random sequence", () => {
  it("stays closed at 30 % failures: a degraded vendor, not a down one", () => {
    // 20 calls a second for 10 minutes, 2 a second for an hour, and one every 2 s for an hour (then the
    // window holds 30 calls, fewer than breaker_min_calls: a connection that quiet never opens).
    for (const seed of [1, 2, 3, 4, 5]) {
      expect(feed(0.3, 12_000, 50, seed)).toEqual(new Set(["closed"]));
      expect(feed(0.3, 1_800, 2_000, seed)).toEqual(new Set(["closed"]));
      expect(feed(0.3, 7_200, 500, seed)).toEqual(new Set(["closed"]));
    }
  });

  it("opens at 90 % failures", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      expect(feed(0.9, 200, 50, seed).has("open")).toBe(true);
      expect(feed(0.9, 200, 500, seed).has("open")).toBe(true);
    }
  });
});

describe("the window", () => {
  const settings = { ...defaults, minCalls: 4, openRate: 0.5, windowMs: 10_000 };
  const run = (kinds: CallKind[], at: (i: number) => number) =>
    kinds.reduce<BreakerState>((b, kind, i) => afterCall(b, kind, "r", at(i), settings), CLOSED);

  it("needs its least number of calls before it opens", () => {
    expect(run(["transient", "transient", "transient"], (i) => i).state).toBe("closed");
    expect(run(["transient", "transient", "transient", "transient"], (i) => i)).toMatchObject({
      state: "open",
      calls: 4,
      failures: 4,
      probeAt: 3 + settings.cooldownMs,
    });
  });

  it("forgets calls older than the window", () => {
    // Two failures, then after more than the window two more: never four in one window.
    const at = (i: number) => (i < 2 ? i : 20_000 + i);
    expect(run(["transient", "transient", "transient", "transient"], at).state).toBe("closed");
  });

  it("counts permanent failures as answers: a 400 for one record proves the connection answers", () => {
    expect(run(["permanent", "permanent", "permanent", "transient", "transient"], (i) => i).state).toBe(
      "closed",
    );
  });
});

describe("the probe", () => {
  const settings = { ...defaults, minCalls: 2, openRate: 0.5, probeCalls: 3, closeRate: 0.6 };
  const open = afterCall(afterCall(CLOSED, "transient", "r", 0, settings), "transient", "r", 1, settings);

  it("waits out the cool-down, then lets one delivery probe at a time", () => {
    expect(open.state).toBe("open");
    expect(admission(open, 2)).toEqual({ admit: "none", until: 1 + settings.cooldownMs });
    expect(admission(open, 1 + settings.cooldownMs)).toEqual({ admit: "probe" });
    const half = probing(open);
    expect(admission(half, 1 + settings.cooldownMs)).toEqual({ admit: "none" });
    // The probe's delivery ended before its calls decided: another delivery probes.
    expect(admission(probeEnded(half), 1 + settings.cooldownMs)).toEqual({ admit: "probe" });
  });

  it("closes when 2 of its 3 calls succeed, whatever the order, and reopens when 2 fail", () => {
    const t = 40_000;
    const probed = (kinds: CallKind[]) =>
      kinds.reduce((b, kind, i) => afterCall(b, kind, "r", t + i, settings), probing(open));
    expect(probed(["success", "success"])).toEqual(CLOSED);
    expect(probed(["transient", "success", "success"])).toEqual(CLOSED);
    expect(probed(["success", "transient"])).toMatchObject({
      state: "half_open",
      trial: { calls: 2, failures: 1 },
    });
    expect(probed(["success", "transient", "transient"])).toMatchObject({
      state: "open",
      openedAt: 1,
      probeAt: t + 2 + settings.cooldownMs,
    });
  });

  it("ignores late answers of calls sent before it opened", () => {
    expect(afterCall(open, "success", "", 5, settings)).toBe(open);
  });
});
