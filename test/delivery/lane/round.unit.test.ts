import { describe, expect, it } from "vitest";
import {
  paceInterval,
  planRound,
  type RoundInput,
  type RoundReaction,
} from "../../../src/delivery/lane/round";
import type { LaneItem } from "../../../src/delivery/lane/work";

// The lane's round, planned without a Durable Object: what starts, in which units, within concurrency, pace,
// the breaker's admission and the alarm's budget (subrequests and D1 queries), and when to look again.

const NOW = 1_000_000;
const item = (id: string, reaction = "stamps", entity?: string): LaneItem => ({
  deliveryId: id,
  reaction,
  eventId: `e-${id}`,
  dueAt: NOW,
  seq: Number(id.replace(/\D/g, "")) || 0,
  ...(entity && { entity }),
});
const cost = (subrequests: number, queries = 1) => ({ subrequests, queries });
const budget = (limit: number, spent = 0, queries = { limit: 1_000, spent: 0 }) => ({
  limit: cost(limit, queries.limit),
  spent: cost(spent, queries.spent),
  reserved: cost(0, 0),
  units: 0,
});
const single: RoundReaction = { unit: 1, cost: () => cost(10, 30) };
const pushes: RoundReaction = {
  unit: 100,
  pace: { key: "ometria-push", limit: 8, per_seconds: 1 },
  cost: (records) => cost(3 * records, 7 * records),
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
    budget: budget(8_000),
    ...over,
  };
}
const started = (plan: ReturnType<typeof planRound>) =>
  plan.start.map((u) => u.items.map((i) => i.deliveryId));

describe("planRound", () => {
  it("starts each delivery as a unit of one, up to the lane's free concurrency, in event order", () => {
    const plan = planRound(input({ eligible: ["1", "2", "3"].map((id) => item(id)), free: 2 }));
    expect(started(plan)).toEqual([["1"], ["2"]]);
    expect(plan.start.map((u) => u.cost)).toEqual([cost(10, 30), cost(10, 30)]);
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
    expect(plan.start[0]?.cost).toEqual(cost(300, 700));
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
    // Two fit beside each other's reservations; the third would fit once they end: it waits for them.
    const tight = planRound(input({ eligible, budget: budget(25) }));
    expect(started(tight)).toEqual([["1"], ["2"]]);
    expect(tight).toMatchObject({ outOfBudget: false, waitForRunning: true });
    // What was made cannot come back: past it, the next alarm goes on.
    const made = planRound(input({ eligible, budget: { ...budget(25, 16), units: 1 } }));
    expect(started(made)).toEqual([]);
    expect(made.outOfBudget).toBe(true);
    // The first unit of an alarm always goes, so every alarm moves.
    const first = planRound(input({ eligible, budget: budget(5, 5) }));
    expect(started(first)).toEqual([["1"]]);
    expect(first.outOfBudget).toBe(true);
  });

  it("stops at the D1 query budget too, whatever subrequests are left", () => {
    const eligible = ["1", "2", "3"].map((id) => item(id));
    // 30 queries a delivery: 70 fit two, not three, though 8,000 subrequests would take them all.
    const tight = planRound(input({ eligible, budget: budget(8_000, 0, { limit: 70, spent: 0 }) }));
    expect(started(tight)).toEqual([["1"], ["2"]]);
    expect(tight.waitForRunning).toBe(true);
    // Queries already made count: 45 made leave room for one now. The second would fit in a fresh alarm
    // beside the first's reservation, so this alarm hands over rather than wait for the first to end.
    const spent = planRound(input({ eligible, budget: budget(8_000, 0, { limit: 100, spent: 45 }) }));
    expect(started(spent)).toEqual([["1"]]);
    expect(spent).toMatchObject({ outOfBudget: true, shortOf: "queries" });
    // 71 spent: even with nothing running, a unit of 30 does not fit: the next alarm goes on.
    const gone = planRound(
      input({ eligible, budget: { ...budget(8_000, 0, { limit: 100, spent: 71 }), units: 1 } }),
    );
    expect(started(gone)).toEqual([]);
    expect(gone.outOfBudget).toBe(true);
  });

  it("starts an alarm beside the units the last one left running only as far as their reservations allow", () => {
    const eligible = ["1", "2", "3"].map((id) => item(id));
    // 930 of 950 queries are still reserved by running units of the last alarm: the first unit does not simply
    // go, it waits for them; handing over again would find the same.
    const carried = {
      ...budget(8_000, 0, { limit: 950, spent: 0 }),
      reserved: cost(300, 930),
    };
    const plan = planRound(input({ eligible, budget: carried }));
    expect(started(plan)).toEqual([]);
    expect(plan).toMatchObject({ outOfBudget: false, waitForRunning: true });
    // 60 free: two go beside them, the third waits.
    const some = planRound(input({ eligible, budget: { ...carried, reserved: cost(300, 890) } }));
    expect(started(some)).toEqual([["1"], ["2"]]);
    expect(some.waitForRunning).toBe(true);
  });

  it("runs work of a reaction no longer configured as a unit of one, at the cost the lane gives it", () => {
    const plan = planRound(
      input({ eligible: [item("9", "gone")], reaction: () => ({ unit: 1, cost: () => cost(12) }) }),
    );
    expect(plan.start).toEqual([{ reaction: "gone", items: [item("9", "gone")], cost: cost(12) }]);
  });
});
