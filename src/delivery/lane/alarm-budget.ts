import type { Reaction } from "../../config/reactions";
import type { Env } from "../../env";

/**
 * What a unit of work may cost one lane alarm (one invocation) at most: subrequests (Membrane calls through
 * relays, D1 round trips, queue sends) and D1 queries. Workers Paid allows 10,000 subrequests per invocation
 * by default and D1 1,000 queries (its limits page), each statement of a `batch()` counting as one
 * (cloudflare-docs #17015, "query limits apply to each individual query contained within a db.batch").
 */
export interface Cost {
  subrequests: number;
  queries: number;
}

/**
 * D1 round trips, queue sends and Membrane reads one attempt may make besides its calls: a claim by the slow
 * path (6), the checkpoints before its calls (2), the record (2), a dead letter's raw payload, queue send and
 * alert, a reconciliation's record, and up to three action definitions read before a run (actions/).
 */
const OTHER_PER_ATTEMPT = 16;

/**
 * D1 statements one attempt may run: a claim by the slow path (6 round trips, up to 9 statements), the vendor
 * user read, remembered and forgotten (3), its checkpoints (3), the record (3), a reconciliation's record (1),
 * a dead letter's raw payload, and an alert stored and queued (4), and a margin. A stamps delivery runs 7 in
 * the bench (test/bench/d1-statements.test.ts).
 */
const QUERIES_PER_ATTEMPT = 30;
/** A batch's claim of every record and the record of those one answer served (3 statements each), and a margin. */
const QUERIES_PER_BATCH = 9;
/** A batched record finished on its own, in the worst case: its record (3), dead letter and alert (4). */
const QUERIES_PER_BATCHED_RECORD = 7;

/**
 * A generous bound on what a unit (a delivery, or a batch of `records`) may cost: its recipe's calls, or a
 * batch's sends halved down to single records (2n - 1) with a lease extension before each further send and
 * every record then finished on its own. Reserved while the unit runs; what it really made is counted. Calls a
 * recipe makes beyond its `maxCalls` (a list walked page by page) are not reserved: each asks for room first
 * (AlarmBudget.callRoom).
 */
export function costOf(reaction: Reaction | undefined, records: number): Cost {
  if (!reaction?.recipe.batch)
    return {
      subrequests: (reaction?.recipe.maxCalls ?? 0) + OTHER_PER_ATTEMPT,
      queries: QUERIES_PER_ATTEMPT,
    };
  const sends = 2 * records - 1;
  return {
    subrequests: sends + (sends - 1) + OTHER_PER_ATTEMPT * records,
    queries: QUERIES_PER_BATCH + (sends - 1) + QUERIES_PER_BATCHED_RECORD * records,
  };
}

/** What a running unit holds of an alarm's budget (AlarmBudget.reserve). */
export interface Reservation {
  /** The unit made this: counted, and no longer reserved for it. */
  spend(made: Partial<Cost>): void;
  /** The unit ended: what it did not make is free again. */
  end(): void;
}

export interface BudgetSnapshot {
  limit: Cost;
  spent: Cost;
  reserved: Cost;
  units: number;
}

/**
 * Whether `cost` fits beside what was spent and reserved: always for an alarm's first unit when nothing runs
 * (a unit bigger than the whole budget must go some time).
 */
export function fitsIn(budget: BudgetSnapshot, cost: Cost): boolean {
  if (budget.units === 0 && budget.reserved.subrequests === 0 && budget.reserved.queries === 0) return true;
  return (["subrequests", "queries"] as const).every(
    (k) => budget.spent[k] + budget.reserved[k] + cost[k] <= budget.limit[k],
  );
}

const zero = (): Cost => ({ subrequests: 0, queries: 0 });
/** How many units of `each` fit in `limit` beside `used`, on both counts. */
export function unitsFitting(limit: Cost, used: Cost, each: Cost): number {
  const left = add(limit, used, -1);
  return Math.max(
    0,
    Math.min(
      each.subrequests > 0 ? Math.floor(left.subrequests / each.subrequests) : Number.POSITIVE_INFINITY,
      each.queries > 0 ? Math.floor(left.queries / each.queries) : Number.POSITIVE_INFINITY,
    ),
  );
}
const add = (a: Cost, b: Cost, sign = 1): Cost => ({
  subrequests: a.subrequests + sign * b.subrequests,
  queries: a.queries + sign * b.queries,
});

/**
 * One lane alarm's subrequests and D1 queries: those made (counted as they leave), and the most its running
 * units may still make (reserved from their start to their end). A unit that would pass either limit waits for
 * running units to end and give back what they did not spend; one that would pass it even then waits for the
 * next alarm, except the alarm's first, which always goes: otherwise nothing would ever move. (Ending the alarm
 * whenever reservations were in the way made each alarm one burst of 31 stamps deliveries followed by a wait
 * for its slowest: a third of the lane's throughput under faults, seen in the soak.)
 */
export class AlarmBudget {
  private spent = zero();
  private reserved = zero();
  private units = 0;
  /** A unit could not start (or supersedes could not run) for want of subrequests or queries. */
  exhausted = false;
  /** Which of the two ran out first, when one did. */
  exhaustedBy?: keyof Cost;

  constructor(private readonly limit: Cost) {}

  /**
   * A new alarm: a new invocation, with subrequests and queries of its own. Units the last alarm left running
   * keep their reservations here, and what they make from now on is counted here: so each of the two
   * invocations stays within its limits whichever of them the platform counts those units' queries against
   * (the last one reserved them before they started).
   */
  restart(): void {
    this.spent = zero();
    this.units = 0;
    this.exhausted = false;
    this.exhaustedBy = undefined;
  }

  private runOut(cost: Cost): void {
    this.exhausted = true;
    const left = add(this.limit, add(this.spent, this.reserved), -1);
    this.exhaustedBy ??= cost.queries > left.queries ? "queries" : "subrequests";
  }

  count(cost: Partial<Cost>): void {
    this.spent = add(this.spent, { ...zero(), ...cost });
  }

  /**
   * Whether a unit that may cost `cost` can start now. When not, the alarm is exhausted only if it would not
   * fit even once every running unit has ended (reservations are their most, not what they will spend).
   */
  fits(cost: Cost): boolean {
    if (fitsIn(this.snapshot(), cost)) return true;
    if (!fitsIn({ ...this.snapshot(), reserved: zero() }, cost)) this.runOut(cost);
    return false;
  }

  /**
   * A unit starts: `cost`, the most it may make, is reserved. What the unit then makes through its reservation
   * is counted and taken off what stays reserved for it (it may make at most the rest); the rest is freed when
   * it ends. Without that, a running unit's queries counted twice, made and still reserved, and a lane ran
   * about 20 deliveries at once in place of 32 once an alarm had made a few hundred queries (the soak).
   */
  reserve(cost: Cost): Reservation {
    this.units += 1;
    this.reserved = add(this.reserved, cost);
    let left = cost;
    return {
      spend: (made) => {
        const spent = { ...zero(), ...made };
        this.count(spent);
        const freed = {
          subrequests: Math.min(left.subrequests, spent.subrequests),
          queries: Math.min(left.queries, spent.queries),
        };
        left = add(left, freed, -1);
        this.reserved = add(this.reserved, freed, -1);
      },
      end: () => {
        this.reserved = add(this.reserved, left, -1);
        left = zero();
      },
    };
  }

  /** A round's plan ran out of `what` (round.ts). */
  ranOutOf(what: keyof Cost): void {
    this.exhausted = true;
    this.exhaustedBy ??= what;
  }

  /** What a round plans with (round.ts), which checks fitsIn itself. */
  snapshot(): BudgetSnapshot {
    return { limit: this.limit, spent: this.spent, reserved: this.reserved, units: this.units };
  }

  /**
   * How many of something costing `each` fit in what is left now; exhausted when none would fit even once
   * every running unit has ended.
   */
  room(each: Cost): number {
    const room = unitsFitting(this.limit, add(this.spent, this.reserved), each);
    if (room === 0 && unitsFitting(this.limit, this.spent, each) === 0) this.runOut(each);
    return room;
  }

  /** Room for one more call beyond what a running unit reserved (a page of a list walk). */
  callRoom(): boolean {
    return this.room({ subrequests: 1, queries: 0 }) > 0;
  }
}

/**
 * The bindings a lane's deliveries use, each use counted: a D1 round trip (a batch is one) is a subrequest
 * and as many queries as it has statements; a queue send is a subrequest. The lane's Membrane calls are
 * counted where they leave (relayed-fetch, or the lane's own fetch without relays).
 */
export function countingEnv(env: Env, count: (cost: Partial<Cost>) => void): Env {
  // D1's batch takes its own statements, not these wrappers.
  const unwrapped = new WeakMap<object, D1PreparedStatement>();
  const statement = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = new Proxy(stmt, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (typeof value !== "function") return value;
        if (key === "bind")
          return (...values: unknown[]) => statement(target.bind(...values) as D1PreparedStatement);
        if (key === "first" || key === "run" || key === "all" || key === "raw")
          return (...args: unknown[]) => {
            count({ subrequests: 1, queries: 1 });
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        return value.bind(target);
      },
    });
    unwrapped.set(wrapped, stmt);
    return wrapped;
  };
  const db: D1Database = new Proxy(env.DB, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key === "prepare") return (sql: string) => statement(target.prepare(sql));
      if (key === "batch")
        return (statements: D1PreparedStatement[]) => {
          count({ subrequests: 1, queries: statements.length });
          return target.batch(statements.map((s) => unwrapped.get(s) ?? s));
        };
      if (key === "exec")
        return (sql: string) => {
          // exec runs every statement of the text: counted as statements separated by semicolons.
          count({ subrequests: 1, queries: Math.max(1, sql.split(";").filter((s) => s.trim()).length) });
          return target.exec(sql);
        };
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const queue = <Q extends Queue<never>>(q: Q): Q =>
    new Proxy(q, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (key === "send" || key === "sendBatch") count({ subrequests: 1 });
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return {
    ...env,
    DB: db,
    EVENTS_QUEUE: queue(env.EVENTS_QUEUE),
    DELIVERIES_QUEUE: queue(env.DELIVERIES_QUEUE),
    DEAD_LETTERS: queue(env.DEAD_LETTERS),
  };
}

/** What a lane's alarms spent, since the lane object started: for the operator (admin API) and the tests. */
export interface AlarmStats {
  alarms: number;
  /** The most one alarm spent of each. */
  peak: Cost;
  /** Alarms that handed over to the next for want of each. */
  handovers: Cost;
}

export function noteAlarm(stats: AlarmStats, budget: AlarmBudget): AlarmStats {
  const { spent } = budget.snapshot();
  const by = budget.exhaustedBy;
  return {
    alarms: stats.alarms + 1,
    peak: {
      subrequests: Math.max(stats.peak.subrequests, spent.subrequests),
      queries: Math.max(stats.peak.queries, spent.queries),
    },
    handovers: {
      subrequests: stats.handovers.subrequests + (by === "subrequests" ? 1 : 0),
      queries: stats.handovers.queries + (by === "queries" ? 1 : 0),
    },
  };
}

export const noAlarms = (): AlarmStats => ({ alarms: 0, peak: zero(), handovers: zero() });
