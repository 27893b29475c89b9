/**
 * Delay before retry number `attempt` (1 = the first retry) from the configured schedule, with +-`jitter`
 * spread so a burst of failures does not come back in lock-step. A vendor's Retry-After wins when it is
 * longer. Returns null when the schedule is exhausted.
 */
export function retryDelayMs(
  scheduleSeconds: readonly number[],
  attempt: number,
  options: { jitter: number; retryAfterMs?: number; random?: () => number },
): number | null {
  const base = scheduleSeconds[attempt - 1];
  if (base === undefined) return null;
  const random = options.random ?? Math.random;
  const spread = base * 1000 * options.jitter;
  const jittered = Math.max(0, Math.round(base * 1000 - spread + random() * 2 * spread));
  return Math.max(jittered, options.retryAfterMs ?? 0);
}
