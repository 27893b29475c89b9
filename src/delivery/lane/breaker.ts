import type { LaneItem } from "./work";

/**
 * A connection's circuit breaker. After `failures` consecutive transient failures (429, 5xx, timeouts) the
 * connection opens: its work waits, unattempted, until `cooldownMs` has passed; then one delivery goes out as a
 * probe (half-open). A success closes it, a failure opens it again. Permanent failures (a 400 for one record)
 * prove the connection answers, so they reset the count instead of adding to it.
 */
export interface BreakerSettings {
  failures: number;
  cooldownMs: number;
}

export type BreakerState =
  | { state: "closed"; failures: number }
  | { state: "open"; failures: number; openedAt: number; probeAt: number; reason: string }
  | { state: "half_open"; failures: number; openedAt: number; reason: string };

export const CLOSED: BreakerState = { state: "closed", failures: 0 };

export type AttemptKind = "success" | "transient" | "permanent";

/** The state after one attempt's outcome. */
export function afterAttempt(
  breaker: BreakerState,
  outcome: AttemptKind,
  reason: string,
  now: number,
  settings: BreakerSettings,
): BreakerState {
  if (outcome !== "transient") return CLOSED;
  const failures = breaker.failures + 1;
  if (breaker.state === "half_open" || failures >= settings.failures) {
    const openedAt = breaker.state === "closed" ? now : breaker.openedAt;
    return { state: "open", failures, openedAt, probeAt: now + settings.cooldownMs, reason };
  }
  return { ...breaker, failures };
}

/** How much work may start now: all of it, one probe, or none until `until`. */
export type Admission = { admit: "all" } | { admit: "probe" } | { admit: "none"; until?: number };

export function admission(breaker: BreakerState, now: number): Admission {
  if (breaker.state === "closed") return { admit: "all" };
  if (breaker.state === "half_open") return { admit: "none" };
  return now >= breaker.probeAt ? { admit: "probe" } : { admit: "none", until: breaker.probeAt };
}

/** The state once a probe has been sent. */
export function probing(breaker: BreakerState): BreakerState {
  return breaker.state === "open"
    ? { state: "half_open", failures: breaker.failures, openedAt: breaker.openedAt, reason: breaker.reason }
    : breaker;
}

/** The state once a probe has ended without an attempt (its delivery was finished or gone): probe again now. */
export function probeLost(breaker: BreakerState, now: number): BreakerState {
  if (breaker.state !== "half_open") return breaker;
  const { failures, openedAt, reason } = breaker;
  return { state: "open", failures, openedAt, probeAt: now, reason };
}

/**
 * Ready work in the order a probe takes it: deliveries that already failed as a probe go last (in their reaction,
 * and reactions with none left go last), so that successive probes spread over the waiting deliveries instead of
 * spending every attempt of the oldest one while the others keep theirs.
 */
export function probeOrder(
  ready: ReadonlyMap<string, readonly LaneItem[]>,
  failedProbes: ReadonlySet<string>,
): Map<string, LaneItem[]> {
  const fresh = (item: LaneItem) => !failedProbes.has(item.deliveryId);
  const groups = [...ready].map(([name, items]): [string, LaneItem[]] => [
    name,
    [...items.filter(fresh), ...items.filter((i) => !fresh(i))],
  ]);
  // Stable: otherwise in the lane's order (event order within a reaction).
  groups.sort(([, a], [, b]) => Number(!a.some(fresh)) - Number(!b.some(fresh)));
  return new Map(groups);
}
