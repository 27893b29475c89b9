import { retryDelayMs } from "../backoff";
import type { AttemptOutcome } from "./outcome";

export interface RetryPolicy {
  /** Seconds before each retry: the reaction's own schedule, else DELIVERY.retry_schedule_seconds. */
  schedule: readonly number[];
  jitter: number;
  /** DELIVERY.ambiguous_settle_seconds, in ms: an ambiguous call is read back no sooner. */
  settleMs: number;
  random?: () => number;
}

/** Where an attempt leaves its delivery, and the outcome as recorded (a last retry says it gave up). */
export interface NextStatus {
  status: "succeeded" | "retrying" | "dead";
  nextAttemptAt?: number;
  outcome: AttemptOutcome;
}

/**
 * The retry policy, pure: a success is done; a permanent failure or an unknown outcome is dead; a transient
 * failure waits its turn in the schedule (counted from the last manual retry, so an operator's retry gets a
 * full schedule again; the vendor's Retry-After wins when longer; an ambiguous call that may still land is
 * read back only once it no longer can), and dies once the schedule is spent: as `outcome_unknown` when its
 * last outcome was ambiguous, since only an operator can then tell.
 */
export function nextStatus(
  outcome: AttemptOutcome,
  /** The attempt's number, and how many attempts came before the last manual retry. */
  { attempt, retryBase }: { attempt: number; retryBase: number },
  policy: RetryPolicy,
  now: number,
): NextStatus {
  if (outcome.outcome === "success") return { status: "succeeded", outcome };
  if (outcome.outcome !== "transient") return { status: "dead", outcome };
  const scheduled = retryDelayMs(policy.schedule, attempt - retryBase, {
    jitter: policy.jitter,
    ...(outcome.retryAfterMs !== undefined && { retryAfterMs: outcome.retryAfterMs }),
    ...(policy.random && { random: policy.random }),
  });
  const ambiguous = outcome.reconcileState !== undefined;
  if (scheduled !== null) {
    const delay = ambiguous ? Math.max(scheduled, policy.settleMs) : scheduled;
    return { status: "retrying", nextAttemptAt: now + delay, outcome };
  }
  const gaveUp = `gave up after ${attempt} attempts: ${outcome.error ?? outcome.errorCode}`;
  if (!ambiguous) return { status: "dead", outcome: { ...outcome, error: gaveUp } };
  return {
    status: "dead",
    outcome: {
      ...outcome,
      outcome: "unknown",
      errorCode: "outcome_unknown",
      error: `${gaveUp}; check the vendor before retrying (a repeat could apply it twice)`,
    },
  };
}
