import type { CallKind } from "./breaker";

/**
 * A lane's concurrency between a closed and an open breaker (additive increase, multiplicative decrease): a
 * call answered 429 or timed out cuts the connection's concurrency by half (once per `holdMs`: the calls
 * already out answer from the same overload), and each call answered raises it by 1/limit (about one more
 * per round of calls at the current limit), up to the configured concurrency. A vendor that sheds load gets
 * what it can take instead of its own retries on top of the load it refused. Other failures (a 500) do not
 * cut: they say nothing about load, and the breaker counts them.
 */
export interface Adaptive {
  limit: number;
  cutAt: number;
}

export interface AdaptiveSettings {
  max: number;
  min: number;
  holdMs: number;
}

const OVERLOAD = new Set(["rate_limited", "timeout"]);

export const fullSpeed = (max: number): Adaptive => ({ limit: max, cutAt: Number.NEGATIVE_INFINITY });

export function adapted(
  current: Adaptive,
  kind: CallKind,
  code: string | undefined,
  now: number,
  settings: AdaptiveSettings,
): Adaptive {
  const limit = Math.min(current.limit, settings.max);
  if (kind === "transient" && code !== undefined && OVERLOAD.has(code)) {
    if (now - current.cutAt < settings.holdMs) return { ...current, limit };
    return { limit: Math.max(settings.min, limit / 2), cutAt: now };
  }
  if (kind === "transient") return { ...current, limit };
  return { ...current, limit: Math.min(settings.max, limit + 1 / Math.max(1, limit)) };
}

/** The whole calls the lane may have out now. */
export const allowed = (current: Adaptive, max: number): number =>
  Math.max(1, Math.min(max, Math.floor(current.limit)));
