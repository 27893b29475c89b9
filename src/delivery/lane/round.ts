import type { Reaction } from "../../config/reactions";
import { type PaceRule, slotInterval } from "../../pacing/pacer";
import { type BudgetSnapshot, type Cost, costOf, fitsIn } from "./alarm-budget";
import { type Admission, probeOrder } from "./breaker";
import type { LaneItem } from "./work";

/**
 * One round of a lane, decided without I/O: which of the work that may start now (LaneWork.eligible) goes out,
 * in what units (a batch, or one delivery), within the lane's free concurrency, its pace slots, the breaker's
 * admission and the alarm's budget of subrequests and D1 queries; and when to look again for what could not go.
 */
export interface RoundReaction {
  pace?: PaceRule;
  /** Most deliveries one unit takes: a batch's limit, else 1. */
  unit: number;
  /** What a unit of `records` deliveries may cost the alarm at most (alarm-budget.ts). */
  cost(records: number): Cost;
}

export interface RoundInput {
  now: number;
  /** Work that may start now, in event order. */
  eligible: readonly LaneItem[];
  gate: Admission;
  /** Deliveries whose probe failed since the breaker last closed: a probe takes another one first. */
  failedProbes: ReadonlySet<string>;
  /** What the round needs of a reaction, by name (one no longer configured too: its work still ends). */
  reaction(name: string): RoundReaction;
  /** Next free slot per pace rule key (epoch ms). */
  slots: ReadonlyMap<string, number>;
  /** Units the lane may still start (its concurrency less what runs). */
  free: number;
  /** The alarm's subrequests and D1 queries: its first unit always starts (alarm-budget.ts AlarmBudget). */
  budget: BudgetSnapshot;
}

export interface RoundUnit {
  reaction: string;
  items: LaneItem[];
  /** What is reserved for it until it ends. */
  cost: Cost;
}

export interface RoundPlan {
  start: RoundUnit[];
  /** The pace slots after this round's starts. */
  slots: Map<string, number>;
  /** The delivery that goes as the half-open breaker's probe. */
  probe?: string;
  /** When to look again for work that could not go (a pace slot). */
  wakeAt?: number;
  /**
   * A unit could not start for want of what this alarm made (subrequests or queries): the next alarm goes on
   * now. When only running units' reservations are in the way, `waitForRunning` is set instead.
   */
  outOfBudget: boolean;
  /** A unit waits for running units to end and give back what they reserved and did not spend. */
  waitForRunning?: boolean;
  /** Which of the two it lacked (queries when both). */
  shortOf?: keyof Cost;
}

/**
 * Slots 10 % wider than the vendor's limit: requests reach the vendor with some jitter, and a sliding window
 * counting exactly `limit` requests per period would answer 429 to one that arrives a little early.
 */
const NOTHING: Cost = { subrequests: 0, queries: 0 };

export const paceInterval = (pace: PaceRule) => Math.ceil(slotInterval(pace) * 1.1);

export function planRound(input: RoundInput): RoundPlan {
  const { now, gate } = input;
  const plan: RoundPlan = { start: [], slots: new Map(input.slots), outOfBudget: false };
  if (gate.admit === "none") return { ...plan, ...(gate.until !== undefined && { wakeAt: gate.until }) };
  const ready = byReaction(input.eligible);
  const order = gate.admit === "probe" ? probeOrder(ready, input.failedProbes) : ready;
  let budget = input.budget;
  for (const [name, items] of order) {
    const reaction = input.reaction(name);
    while (items.length > 0 && plan.start.length < input.free) {
      const take = gate.admit === "probe" ? 1 : reaction.unit;
      const cost = reaction.cost(Math.min(take, items.length));
      // A unit waiting for its pace slot waits whatever the budget says: the budget is checked for what goes.
      const { pace } = reaction;
      const slot = pace ? (plan.slots.get(pace.key) ?? 0) : 0;
      if (pace && slot > now) {
        plan.wakeAt = Math.min(plan.wakeAt ?? slot, slot);
        break;
      }
      if (!fitsIn(budget, cost)) {
        // What this alarm made is in the way: the next alarm, with subrequests and queries of its own, takes it
        // at once (running units go on beside it); so does a unit bigger than a whole budget, which only an
        // alarm's first goes as. Only running units' reservations are in the way, which a new alarm carries
        // too: it waits for one to end.
        const fresh = { ...budget, spent: NOTHING };
        const bigger = !fitsIn({ ...fresh, reserved: NOTHING, units: 1 }, cost);
        if (budget.units > 0 && (fitsIn(fresh, cost) || bigger))
          return { ...plan, outOfBudget: true, shortOf: shortOf(budget, cost) };
        return { ...plan, waitForRunning: true };
      }
      if (pace) plan.slots.set(pace.key, Math.max(now, slot) + paceInterval(pace));
      budget = {
        ...budget,
        units: budget.units + 1,
        reserved: {
          subrequests: budget.reserved.subrequests + cost.subrequests,
          queries: budget.reserved.queries + cost.queries,
        },
      };
      const unit = { reaction: name, items: items.splice(0, take), cost };
      plan.start.push(unit);
      // One probe at a time, whatever else waits.
      if (gate.admit === "probe")
        return {
          start: plan.start,
          slots: plan.slots,
          probe: unit.items[0]?.deliveryId ?? "",
          outOfBudget: false,
        };
    }
  }
  return plan;
}

const shortOf = (budget: BudgetSnapshot, cost: Cost): keyof Cost =>
  budget.spent.queries + budget.reserved.queries + cost.queries > budget.limit.queries
    ? "queries"
    : "subrequests";

/** The work by reaction, in event order, one delivery per entity whichever reaction (the rest wait). */
function byReaction(eligible: readonly LaneItem[]): Map<string, LaneItem[]> {
  const ready = new Map<string, LaneItem[]>();
  const entities = new Set<string>();
  for (const item of eligible) {
    if (item.entity) {
      if (entities.has(item.entity)) continue;
      entities.add(item.entity);
    }
    ready.set(item.reaction, [...(ready.get(item.reaction) ?? []), item]);
  }
  return ready;
}

/** What a round needs of a reaction (round.ts); one no longer configured runs as a unit of one. */
export function roundReaction(reaction: Reaction | undefined): RoundReaction {
  const batch = reaction?.recipe.batch;
  return {
    ...(reaction?.pace && { pace: reaction.pace }),
    unit: batch && reaction ? batch.limits(reaction.options).max : 1,
    cost: (records) => costOf(reaction, records),
  };
}
