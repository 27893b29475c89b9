import { describe, expect, it } from "vitest";
import {
  paceInterval,
  planRound,
  type RoundInput,
  type RoundReaction,
} from "../../../src/delivery/lane/round";
import type { LaneItem } from "../../../src/delivery/lane/work";

// The lane's round, planned without a Durable Object: what starts, in which units, within concurrency, pace,
// the breaker's admission and the subrequest budget, and when to look again.

const NOW = 1_000_000;
const item = (id: string, reaction = "stamps", entity?: string): LaneItem => ({
  deliveryId: id,
  reaction,
  eventId: `e-${id}`,
  dueAt: NOW,
  seq: Number(id.replace(/\D/g, "")) || 0,
  ...(entity && { entity }),
});
const single: RoundReaction = { unit: 1, cost: () => 10 };
const pushes: RoundReaction = {
  unit: 100,
  pace: { key: "ometria-push", limit: 8, per_seconds: 1 },
  cost: (records) => 3 * records,
};

function input(over: Partial<RoundInput> = {}): RoundInput {
  return {
    now: NOW,
    eligible: [],
    gate: { admit: "all" },
    failedProbes: new Set(),
    reaction: (name) => (name === "pushes" ? pushes : single),
    slots: new Map(),
    free: 32,
    budget: { limit: 8_000, spent: 0, reserved: 0, units: 0 },
    ...over,
  };
}
const started = (plan: ReturnType<typeof planRound>) =>
  plan.start.map((u) => u.items.map((i) => i.deliveryId));

describe("planRound", () => {
  it("starts each delivery as a unit of one, up to the lane's free concurrency, in event order", () => {
    const plan = planRound(input({ eligible: ["1", "2", "3"].map((id) => item(id)), free: 2 }));
    expect(started(plan)).toEqual([["1"], ["2"]]);
    expect(plan.start.map((u) => u.cost)).toEqual([10, 10]);
    expect(plan).toMatchObject({ outOfBudget: false });
  });

  it("starts one delivery per entity whichever reaction it is of; the others wait their turn", () => {
    const eligible = [item("1", "a", "user:x"), item("2", "b", "user:x"), item("3", "a", "user:y")];
    expect(started(planRound(input({ eligible })))).toEqual([["1"], ["3"]]);
  });

  it("sends a batching reaction's work in units of its batch, one per pace slot, and says when the next slot is", () => {
    const eligible = Array.from({ length: 250 }, (_, i) => item(`p${i}`, "pushes"));
    const plan = planRound(input({ eligible }));
    expect(started(plan).map((u) => u.length)).toEqual([100]);
    expect(plan.start[0]?.cost).toBe(300);
    const next = NOW + paceInterval(pushes.pace ?? { key: "", limit: 1, per_seconds: 1 });
    expect(plan.slots.get("ometria-push")).toBe(next);
    expect(plan.wakeAt).toBe(next);
    // At that slot the next unit goes.
    const later = planRound(input({ now: next, eligible: eligible.slice(100), slots: plan.slots }));
    expect(started(later).map((u) => u.length)).toEqual([100]);
  });

  it("holds everything while the breaker is open, until its probe time", () => {
    const plan = planRound(input({ eligible: [item("1")], gate: { admit: "none", until: NOW + 30_000 } }));
    expect(plan).toEqual({ start: [], slots: new Map(), outOfBudget: false, wakeAt: NOW + 30_000 });
  });

  it("sends one probe, a delivery whose probe has not failed yet, and nothing else", () => {
    const eligible = [item("1"), item("2"), item("3", "pushes")];
    const plan = planRound(input({ eligible, gate: { admit: "probe" }, failedProbes: new Set(["1"]) }));
    expect(started(plan)).toEqual([["2"]]);
    expect(plan.probe).toBe("2");
    // A probe of a batching reaction is one record, not a batch.
    const batchProbe = planRound(
      input({ eligible: [item("3", "pushes"), item("4", "pushes")], gate: { admit: "probe" } }),
    );
    expect(started(batchProbe)).toEqual([["3"]]);
  });

  it("stops at the subrequest budget, except for an alarm's first unit, and says it ran out", () => {
    const eligible = ["1", "2", "3"].map((id) => item(id));
    const tight = planRound(input({ eligible, budget: { limit: 25, spent: 0, reserved: 0, units: 0 } }));
    expect(started(tight)).toEqual([["1"], ["2"]]);
    expect(tight.outOfBudget).toBe(true);
    // The first unit of an alarm always goes, so every alarm moves.
    const first = planRound(input({ eligible, budget: { limit: 5, spent: 5, reserved: 0, units: 0 } }));
    expect(started(first)).toEqual([["1"]]);
    expect(first.outOfBudget).toBe(true);
  });

  it("runs work of a reaction no longer configured as a unit of one, at the cost the lane gives it", () => {
    const plan = planRound(
      input({ eligible: [item("9", "gone")], reaction: () => ({ unit: 1, cost: () => 12 }) }),
    );
    expect(plan.start).toEqual([{ reaction: "gone", items: [item("9", "gone")], cost: 12 }]);
  });
});
