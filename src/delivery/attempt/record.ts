import { log } from "../../lib/log";
import { recordAttempt } from "../../store/deliveries";
import { listensToAlerts } from "../alerts";
import type { DeliveryContext } from "../context";
import type { ClaimedDelivery } from "./claim";
import { alertDead, sendDeadLetter } from "./dead-letter";
import type { AttemptOutcome } from "./outcome";
import { nextStatus, retryScheduleOf } from "./retry-policy";
import type { DeliveryStep } from "./step";

/** Records the attempt and moves the delivery on (retry-policy.ts): done, retried later, or dead-lettered. */
export async function record(
  ctx: DeliveryContext,
  claimed: Pick<ClaimedDelivery, "delivery" | "reaction" | "attempt" | "personal">,
  now: number,
  attemptOutcome: AttemptOutcome,
): Promise<DeliveryStep> {
  const { delivery, reaction, attempt, personal } = claimed;
  const { delivery: settings } = ctx.config;
  const policy = {
    schedule: retryScheduleOf(reaction, settings),
    jitter: settings.jitter,
    settleMs: settings.ambiguous_settle_seconds * 1000,
  };
  const next = nextStatus(attemptOutcome, { attempt, retryBase: delivery.retry_base }, policy, now);
  const { status, nextAttemptAt, outcome } = next;
  // The progress is kept only while the delivery waits for its next attempt: once it is dead an operator has
  // the last word, and a forced retry runs the call (they checked the vendor) rather than reading again.
  const reconcileState = status === "retrying" ? outcome.reconcileState : undefined;
  const moved = await recordAttempt(
    ctx.env.DB,
    delivery.id,
    attempt,
    outcome,
    {
      status,
      ...(nextAttemptAt !== undefined && { nextAttemptAt }),
      ...(reconcileState !== undefined && { reconcileState }),
    },
    now,
  );
  if (!moved) {
    // This worker outlived its lease and another took the delivery over: what the call did is on the
    // attempt row, but the delivery's state is no longer this worker's to change.
    log("warn", "delivery.lease_lost", { delivery_id: delivery.id, attempt, outcome: outcome.outcome });
    return { step: "held", until: now + 1_000 };
  }
  if (status === "dead") {
    await sendDeadLetter(
      ctx,
      delivery,
      outcome.errorCode ?? "unknown",
      outcome.error ?? "",
      await personal(),
    );
    if (!listensToAlerts(reaction)) await alertDead(ctx, delivery, outcome.errorCode ?? "unknown", attempt);
  }
  // A failed attempt is a warning even when it will be retried, so LOG_LEVEL=warn still shows it.
  log(outcome.outcome === "success" ? "info" : "warn", "delivery.attempt", {
    event_id: delivery.event_id,
    delivery_id: delivery.id,
    reaction: delivery.reaction,
    attempt,
    outcome: outcome.outcome,
    status,
    code: outcome.errorCode,
    http_status: outcome.response?.status,
    ms: outcome.durationMs,
  });
  return {
    step: "attempted",
    attempt,
    status,
    outcome: outcome.outcome,
    ...(outcome.errorCode && { code: outcome.errorCode }),
    ...(outcome.error && { reason: outcome.error }),
    ...(nextAttemptAt !== undefined && { nextAttemptAt }),
  };
}
