import type { CallKind } from "./breaker";

/**
 * A lane's concurrency between a closed and an open breaker (additive increase, multiplicative decrease). It
 * keeps the share of recent calls that were answered 429 or timed out (`overload`, a moving average over about
 * 50 calls). A 429 or a timeout while that share is above OVERLOAD_SHARE halves the connection's concurrency (once
 * per `holdMs`: the calls already out answer from the same overload); each call answered raises it by 1/limit
 * (about one more per round of calls at the current limit), up to the configured concurrency. A vendor that
 * sheds load gets what it can take instead of retries on top of the load it refused; a vendor whose 429s and
 * timeouts stay few and steady (a degraded one, not an overloaded one) keeps its concurrency: 30 % of calls
 * faulted at random, a third of them 429s and timeouts, is a share of about 0.1, five standard deviations of
 * that average below OVERLOAD_SHARE. Other failures (a 500) never cut: they say nothing of load.
 */
export interface Adaptive {
  limit: number;
  cutAt: number;
  overload: number;
}

export interface AdaptiveSettings {
  max: number;
  min: number;
  holdMs: number;
}

const OVERLOAD = new Set(["rate_limited", "timeout"]);
/** The weight of one answer in the overload share (about the last 50 answers). */
const ALPHA = 0.02;
/** The overload share above which a 429 or a timeout cuts. */
export const OVERLOAD_SHARE = 0.25;

export const fullSpeed = (max: number): Adaptive => ({
  limit: max,
  cutAt: Number.NEGATIVE_INFINITY,
  overload: 0,
});

export function adapted(
  current: Adaptive,
  kind: CallKind,
  code: string | undefined,
  now: number,
  settings: AdaptiveSettings,
): Adaptive {
  const limit = Math.min(current.limit, settings.max);
  const overloaded = kind === "transient" && code !== undefined && OVERLOAD.has(code);
  const overload = current.overload + ALPHA * ((overloaded ? 1 : 0) - current.overload);
  if (kind === "transient" && !overloaded) return { ...current, overload, limit };
  if (!overloaded)
    return { ...current, overload, limit: Math.min(settings.max, limit + 1 / Math.max(1, limit)) };
  if (overload < OVERLOAD_SHARE || now - current.cutAt < settings.holdMs)
    return { ...current, overload, limit };
  return { limit: Math.max(settings.min, limit / 2), cutAt: now, overload };
}

/** The whole calls the lane may have out now. */
export const allowed = (current: Adaptive, max: number): number =>
  Math.max(1, Math.min(max, Math.floor(current.limit)));
