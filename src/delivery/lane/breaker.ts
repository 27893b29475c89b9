import type { LaneItem } from "./work";

/**
 * A connection's circuit breaker, fed one Membrane call at a time. It tells a degraded vendor from a down one
 * by the failure *rate*: it opens when, over the last `windowMs`, at least `minCalls` calls were made and at
 * least `openRate` of them failed transiently (429, 5xx, timeouts, dropped connections). A vendor answering
 * 70 % of calls stays closed (its failures are retried per delivery); one answering 10 % opens. Open, the
 * connection's work waits, unattempted, for `cooldownMs`; then one delivery at a time goes out as the probe
 * (half-open), and its calls are counted one by one: `closeRate` of `probeCalls` calls succeeding closes it,
 * so many failures that it cannot any more opens it again. Permanent failures (a 400 for one record) prove the
 * connection answers: they count as answers, not failures.
 */
export interface BreakerSettings {
  windowMs: number;
  minCalls: number;
  openRate: number;
  cooldownMs: number;
  probeCalls: number;
  closeRate: number;
}

/** The calls of one tenth of the window. */
export interface Bucket {
  at: number;
  calls: number;
  failures: number;
}

/** `calls` and `failures`: the window's when it opened (kept for the operator's view and the alert). */
export type BreakerState =
  | { state: "closed"; window: Bucket[] }
  | { state: "open"; openedAt: number; probeAt: number; reason: string; calls: number; failures: number }
  | {
      state: "half_open";
      openedAt: number;
      reason: string;
      calls: number;
      failures: number;
      /** The probe's calls so far. */
      trial: { calls: number; failures: number };
      /** Whether a probe delivery is out. */
      probing: boolean;
    };

export const CLOSED: BreakerState = { state: "closed", window: [] };

export type CallKind = "success" | "transient" | "permanent";

const BUCKETS = 10;

/** The window's buckets still inside it at `now`, with this call added. */
export function recorded(
  window: readonly Bucket[],
  failed: boolean,
  now: number,
  windowMs: number,
): Bucket[] {
  const width = Math.max(1, Math.floor(windowMs / BUCKETS));
  const at = now - (now % width);
  const kept = window.filter((b) => b.at > now - windowMs);
  const last = kept.at(-1);
  const add = { calls: 1, failures: failed ? 1 : 0 };
  if (last?.at === at)
    return [
      ...kept.slice(0, -1),
      { at, calls: last.calls + add.calls, failures: last.failures + add.failures },
    ];
  return [...kept, { at, ...add }];
}

/** The breaker as of `now`: a closed one's window without the calls that left it. */
export function asOf(breaker: BreakerState, now: number, windowMs: number): BreakerState {
  if (breaker.state !== "closed") return breaker;
  return { state: "closed", window: breaker.window.filter((b) => b.at > now - windowMs) };
}

/** The window's totals. */
export function totals(window: readonly Bucket[]): { calls: number; failures: number } {
  return window.reduce((t, b) => ({ calls: t.calls + b.calls, failures: t.failures + b.failures }), {
    calls: 0,
    failures: 0,
  });
}

/** How many of the probe's calls must succeed to close, and how many may fail before it reopens. */
export function probeNeeds(settings: BreakerSettings): { successes: number; failuresAllowed: number } {
  const successes = Math.max(1, Math.ceil(settings.probeCalls * settings.closeRate));
  return { successes, failuresAllowed: Math.max(0, settings.probeCalls - successes) };
}

/** The state after one call's outcome. */
export function afterCall(
  breaker: BreakerState,
  kind: CallKind,
  reason: string,
  now: number,
  settings: BreakerSettings,
): BreakerState {
  const failed = kind === "transient";
  if (breaker.state === "closed") {
    const window = recorded(breaker.window, failed, now, settings.windowMs);
    const { calls, failures } = totals(window);
    if (failed && calls >= settings.minCalls && failures >= settings.openRate * calls)
      return { state: "open", openedAt: now, probeAt: now + settings.cooldownMs, reason, calls, failures };
    return { state: "closed", window };
  }
  // A call started before the breaker opened, answering late, says nothing about the probe.
  if (breaker.state === "open") return breaker;
  const trial = { calls: breaker.trial.calls + 1, failures: breaker.trial.failures + (failed ? 1 : 0) };
  const needs = probeNeeds(settings);
  if (trial.failures > needs.failuresAllowed) {
    const { openedAt, calls, failures } = breaker;
    return { state: "open", openedAt, probeAt: now + settings.cooldownMs, reason, calls, failures };
  }
  if (trial.calls - trial.failures >= needs.successes) return CLOSED;
  return { ...breaker, trial };
}

/** How much work may start now: all of it, one probe, or none until `until`. */
export type Admission = { admit: "all" } | { admit: "probe" } | { admit: "none"; until?: number };

export function admission(breaker: BreakerState, now: number): Admission {
  if (breaker.state === "closed") return { admit: "all" };
  if (breaker.state === "half_open") return breaker.probing ? { admit: "none" } : { admit: "probe" };
  return now >= breaker.probeAt ? { admit: "probe" } : { admit: "none", until: breaker.probeAt };
}

/** The state once a probe delivery has been sent. */
export function probing(breaker: BreakerState): BreakerState {
  if (breaker.state === "half_open") return { ...breaker, probing: true };
  if (breaker.state === "closed") return breaker;
  const { openedAt, reason, calls, failures } = breaker;
  return {
    state: "half_open",
    openedAt,
    reason,
    calls,
    failures,
    trial: { calls: 0, failures: 0 },
    probing: true,
  };
}

/**
 * The state once the probe delivery has ended and the breaker is still half-open (it made too few calls to
 * decide, or none: its delivery was finished or gone meanwhile): another delivery goes on probing now.
 */
export function probeEnded(breaker: BreakerState): BreakerState {
  return breaker.state === "half_open" ? { ...breaker, probing: false } : breaker;
}

/**
 * Ready work in the order a probe takes it: deliveries that already probed go last (in their reaction, and
 * reactions with none left go last), so that successive probes spread over the waiting deliveries instead of
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
