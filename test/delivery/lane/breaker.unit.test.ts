import { expect, it } from "vitest";
import { CLOSED, probeLost, probeOrder } from "../../../src/delivery/lane/breaker";
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

it("a probe lost without an attempt opens the breaker again with its probe due now; other states stay", () => {
  const halfOpen = { state: "half_open", failures: 5, openedAt: 1_000, reason: "503" } as const;
  expect(probeLost(halfOpen, 9_000)).toEqual({
    state: "open",
    failures: 5,
    openedAt: 1_000,
    probeAt: 9_000,
    reason: "503",
  });
  expect(probeLost(CLOSED, 9_000)).toBe(CLOSED);
});
