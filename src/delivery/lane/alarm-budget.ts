import type { Reaction } from "../../config/reactions";
import type { Env } from "../../env";

/**
 * D1 round trips, queue sends and Membrane reads one attempt may make besides its calls: a claim by the slow
 * path (6), the checkpoints before its calls (2), the record (2), a dead letter's raw payload, queue send and
 * alert, a reconciliation's record, and up to three action definitions read before a run (actions/).
 */
const OTHER_PER_ATTEMPT = 16;

/**
 * A generous bound on the subrequests a unit (a delivery, or a batch of `records`) can make: its recipe's calls,
 * or a batch's sends halved down to single records (2n - 1) with a lease extension before each further send and
 * every record then finished on its own. Reserved while the unit runs; what it really made is counted.
 */
export function subrequestsOf(reaction: Reaction | undefined, records: number): number {
  if (!reaction?.recipe.batch) return (reaction?.recipe.maxCalls ?? 0) + OTHER_PER_ATTEMPT;
  const sends = 2 * records - 1;
  return sends + (sends - 1) + OTHER_PER_ATTEMPT * records;
}

/**
 * One lane alarm's subrequests: those made (`count`, as they leave), and the most its running units may still
 * make (reserved from their start to their end). A unit that would pass the limit waits for the next alarm,
 * except the alarm's first, which always goes: otherwise nothing would ever move.
 */
export class SubrequestBudget {
  private spent = 0;
  private reserved = 0;
  private units = 0;
  /** A unit could not start (or supersedes could not run) for want of subrequests. */
  exhausted = false;

  constructor(private readonly limit: number) {}

  /** A new alarm: a new invocation, with subrequests of its own (nothing runs between two alarms). */
  restart(): void {
    this.spent = 0;
    this.units = 0;
    this.exhausted = false;
  }

  count(): void {
    this.spent += 1;
  }

  /** Whether a unit that may make `cost` can start now. */
  fits(cost: number): boolean {
    if (this.units === 0 || this.spent + this.reserved + cost <= this.limit) return true;
    this.exhausted = true;
    return false;
  }

  /** A unit starts: `cost` is reserved until `release`. */
  reserve(cost: number): void {
    this.units += 1;
    this.reserved += cost;
  }

  release(cost: number): void {
    this.reserved -= cost;
  }

  /** What a round plans with (round.ts), which checks `fits` itself. */
  snapshot(): { limit: number; spent: number; reserved: number; units: number } {
    return { limit: this.limit, spent: this.spent, reserved: this.reserved, units: this.units };
  }

  /** How many of something costing `each` fit in what is left; exhausted when none does. */
  room(each: number): number {
    const room = Math.max(0, Math.floor((this.limit - this.spent - this.reserved) / each));
    if (room === 0) this.exhausted = true;
    return room;
  }
}

/**
 * The bindings a lane's deliveries use, each call counted with `count`: D1 round trips (a batch is one) and
 * queue sends. The lane's Membrane calls are counted where they leave (relayed-fetch).
 */
export function countingEnv(env: Env, count: () => void): Env {
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
            count();
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
          count();
          return target.batch(statements.map((s) => unwrapped.get(s) ?? s));
        };
      if (key === "exec")
        return (sql: string) => {
          count();
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
          if (key === "send" || key === "sendBatch") count();
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
