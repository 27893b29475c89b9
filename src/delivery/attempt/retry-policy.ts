import type { DeliverySettings } from "../../config/delivery";
import type { Reaction } from "../../config/reactions";
import { retryDelayMs } from "../backoff";
import type { AttemptOutcome } from "./outcome";

/** A reaction's retry schedule: its own, else DELIVERY.retry_schedule_seconds. */
export const retryScheduleOf = (reaction: Pick<Reaction, "retrySchedule">, settings: DeliverySettings) =>
  reaction.retrySchedule ?? settings.retry_schedule_seconds;

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
 * Whether this attempt comes after the schedule's last: it only checks what that last attempt's ambiguous call
 * did (reconciles) and sends nothing more (run-delivery.ts).
 */
export const checksOnly = (attempt: number, retryBase: number, schedule: readonly number[]) =>
  attempt - retryBase > schedule.length + 1;

/**
 * The retry policy, pure: a success is done; a permanent failure or an unknown outcome is dead; a transient
 * failure waits its turn in the schedule (counted from the last manual retry, so an operator's retry gets a
 * full schedule again; the vendor's Retry-After wins when longer; an ambiguous call that may still land is
 * read back only once it no longer can), and dies once the schedule is spent. When the last attempt's call was
 * ambiguous and can be reconciled, one more attempt checks it after the settle time (checksOnly), so an
 * operator gets a verdict rather than a question; an ambiguous check is `outcome_unknown`, for an operator.
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
  if (!checksOnly(attempt, retryBase, policy.schedule))
    return {
      status: "retrying",
      nextAttemptAt: now + policy.settleMs,
      outcome: {
        ...outcome,
        error: `${outcome.error ?? outcome.errorCode}; the retries are spent: this call is checked once more, and nothing more is sent`,
      },
    };
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

/**
 * A check after the schedule's last attempt settled what that attempt's call did (not applied, or a create
 * whose user is on the card) and sent nothing more: the delivery dies with its last error, and a retry is safe.
 */
export function checkedOnce(
  delivery: { last_error_code: string | null },
  attempt: number,
  reconciled: boolean,
  durationMs: number,
): AttemptOutcome {
  const verdict = reconciled
    ? "checked once more: the vendor's state was read back, and nothing more was sent, so a retry is safe"
    : "nothing more was sent";
  return {
    outcome: "permanent",
    errorCode: delivery.last_error_code ?? "retries_exhausted",
    error: `gave up after ${attempt - 1} attempts (the last: ${delivery.last_error_code ?? "failed"}); ${verdict}`,
    durationMs,
  };
}
