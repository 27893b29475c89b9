import type { Reaction } from "../config/reactions";
import type { CanonicalEvent } from "../events/cloudevent";
import { log } from "../lib/log";
import { type PaceRule, reserveSlot, slotInterval } from "../pacing/pacer";
import { type DeliveryMessage, delaySeconds } from "../queue/messages";
import { deliveryMessages, sendMessages } from "../queue/send";
import type { ReactionResult } from "../reactions/types";
import {
  type AttemptResult,
  claimDelivery,
  type DeliveryRow,
  deferDelivery,
  getDelivery,
  markOutcomeUnknown,
  markWaitingDead,
  recordAttempt,
} from "../store/deliveries";
import { getEvent, refreshEventStatus } from "../store/events";
import { isDeliveryPaused } from "../store/pauses";
import { readStoredEvent } from "../store/stored-event";
import { retryDelayMs } from "./backoff";
import type { DeliveryContext } from "./context";

/** Waits shorter than this are slept in place; longer ones go back to the queue with a delay. */
const MAX_INLINE_WAIT_MS = 1_000;

/** What happened to one delivery message; returned for logs and tests. */
export type DeliveryStep =
  | { step: "gone" | "finished" | "held" | "paused" }
  | { step: "requeued"; notBefore: number; why: "not_due" | "paced" }
  | { step: "attempted"; attempt: number; status: "succeeded" | "retrying" | "dead"; code?: string }
  | { step: "outcome_unknown" };

/** DELIVERIES_QUEUE message: attempt one delivery once, or put it back for later. */
export async function runDelivery(ctx: DeliveryContext, message: DeliveryMessage): Promise<DeliveryStep> {
  const { env } = ctx;
  const delivery = await getDelivery(env.DB, message.deliveryId);
  if (!delivery) return { step: "gone" };
  if (delivery.status === "succeeded" || delivery.status === "dead") return { step: "finished" };

  const reaction = ctx.config.reactions.find((r) => r.name === delivery.reaction);
  let now = ctx.now();
  if (!reaction) {
    const reason = `reaction ${delivery.reaction} is no longer enabled in the configuration`;
    if (!(await markWaitingDead(env.DB, delivery.id, now, "reaction_not_configured", reason)))
      return { step: "held" };
    await sendDeadLetter(ctx, delivery, "reaction_not_configured", reason);
    await refreshEventStatus(env.DB, delivery.event_id);
    return { step: "attempted", attempt: 0, status: "dead", code: "reaction_not_configured" };
  }

  if (delivery.status === "in_flight" && (delivery.lease_until ?? 0) >= now) return { step: "held" };
  if (delivery.status === "in_flight" && !reaction.recipe.idempotent) {
    // The worker that held it is gone; its call may or may not have reached the vendor. Repeating a
    // non-idempotent call could apply it twice, so stop and leave it to an operator.
    const marked = await markOutcomeUnknown(
      env.DB,
      delivery.id,
      now,
      "the attempt was interrupted after it started; check the vendor before retrying (a repeat could apply it twice)",
    );
    if (marked) await refreshEventStatus(env.DB, delivery.event_id);
    return { step: marked ? "outcome_unknown" : "held" };
  }

  // An operator paused its connection or route (admin API): leave it waiting, unclaimed and with no attempt
  // spent. Checked before pacing so no slot is reserved; resuming re-sends its queue message.
  if (await isDeliveryPaused(env.DB, delivery.id)) return { step: "paused" };

  const dueAt = delivery.status === "in_flight" ? now : (delivery.next_attempt_at ?? now);
  if (dueAt > now + MAX_INLINE_WAIT_MS) return requeue(ctx, { deliveryId: delivery.id }, dueAt, "not_due");
  if (dueAt > now) await sleep(dueAt - now);

  const pace = reaction.recipe.pace;
  if (pace && !holdsSlot(message, pace, ctx.now())) {
    now = ctx.now();
    const slot = await reserveSlot(env.PACER, delivery.connection_id, pace, now);
    if (slot > now + MAX_INLINE_WAIT_MS) {
      // Written down so the stall sweep and early messages wait for this slot instead of reserving another.
      await deferDelivery(env.DB, delivery.id, slot, now);
      return requeue(ctx, { deliveryId: delivery.id, notBefore: slot }, slot, "paced");
    }
    if (slot > now) await sleep(slot - now);
  }

  now = ctx.now();
  const attempt = await claimDelivery(env.DB, delivery.id, {
    now,
    leaseMs: ctx.config.delivery.lease_ms,
    retakeExpired: reaction.recipe.idempotent,
    request: { method: "-", path: `(planned: ${reaction.recipe.key} via ${reaction.connection})` },
  });
  if (attempt === null) return { step: "held" };

  const row = await getEvent(env.DB, delivery.event_id);
  const started = ctx.now();
  const result: ReactionResult = !row
    ? { kind: "missing_data", reason: "the event row is gone" }
    : row.redacted_at !== null
      ? { kind: "missing_data", reason: "the event was redacted after an erasure request" }
      : await runRecipe(ctx, reaction, readStoredEvent(row.event_json) as CanonicalEvent);
  return finish(ctx, delivery, attempt, ctx.now(), toAttemptResult(result, ctx.now() - started));
}

/**
 * A message carries a usable slot when it is due now and not stale: one that arrives more than a slot
 * interval late (a consumer backlog) reserves again, so late messages do not go out back to back.
 */
function holdsSlot(message: DeliveryMessage, pace: PaceRule, now: number): boolean {
  const slot = message.notBefore;
  return slot !== undefined && slot <= now + MAX_INLINE_WAIT_MS && slot >= now - slotInterval(pace);
}

async function runRecipe(
  ctx: DeliveryContext,
  reaction: Reaction,
  event: CanonicalEvent,
): Promise<ReactionResult> {
  try {
    return await reaction.recipe.run(event, reaction.options, {
      membrane: ctx.membrane,
      connectionId: reaction.connection,
    });
  } catch (error) {
    // A recipe bug, not a vendor failure: retrying the same code on the same event cannot help.
    log("error", "delivery.recipe_crashed", { reaction: reaction.name, error: String(error) });
    return { kind: "missing_data", reason: `recipe ${reaction.recipe.key} failed: ${String(error)}` };
  }
}

function toAttemptResult(
  result: ReactionResult,
  durationMs: number,
): AttemptResult & { retryAfterMs?: number } {
  switch (result.kind) {
    case "skipped":
      return { outcome: "success", durationMs, error: result.reason };
    case "missing_data":
      return { outcome: "permanent", errorCode: "event_data_missing", error: result.reason, durationMs };
    case "unknown":
      return {
        outcome: "unknown",
        errorCode: "outcome_unknown",
        error: `${result.reason}; check the vendor before retrying (a repeat could apply it twice)`,
        request: result.outcome.request,
        ...(result.outcome.response && { response: result.outcome.response }),
        ...(result.outcome.actionRunId && { actionRunId: result.outcome.actionRunId }),
        durationMs: result.outcome.durationMs,
      };
    case "success":
      return {
        outcome: "success",
        request: result.request,
        ...(result.response && { response: result.response }),
        ...(result.actionRunId && { actionRunId: result.actionRunId }),
        durationMs,
      };
    case "transient":
    case "permanent":
      return {
        outcome: result.kind,
        errorCode: result.code,
        error: result.reason,
        request: result.request,
        ...(result.response && { response: result.response }),
        ...(result.actionRunId && { actionRunId: result.actionRunId }),
        ...(result.kind === "transient" &&
          result.retryAfterMs !== undefined && { retryAfterMs: result.retryAfterMs }),
        durationMs: result.durationMs,
      };
  }
}

/** Records the attempt and moves the delivery on: done, retried later with backoff, or dead-lettered. */
async function finish(
  ctx: DeliveryContext,
  delivery: DeliveryRow,
  attempt: number,
  now: number,
  result: AttemptResult & { retryAfterMs?: number },
): Promise<DeliveryStep> {
  const { env, config } = ctx;
  let status: "succeeded" | "retrying" | "dead" = result.outcome === "success" ? "succeeded" : "dead";
  let nextAttemptAt: number | undefined;
  if (result.outcome === "transient") {
    // Counted from the last manual retry, so an operator's retry gets a full schedule again.
    const delay = retryDelayMs(config.delivery.retry_schedule_seconds, attempt - delivery.retry_base, {
      jitter: config.delivery.jitter,
      ...(result.retryAfterMs !== undefined && { retryAfterMs: result.retryAfterMs }),
    });
    if (delay === null) {
      result = { ...result, error: `gave up after ${attempt} attempts: ${result.error ?? result.errorCode}` };
    } else {
      status = "retrying";
      nextAttemptAt = now + delay;
    }
  }

  const moved = await recordAttempt(
    env.DB,
    delivery.id,
    attempt,
    result,
    { status, ...(nextAttemptAt !== undefined && { nextAttemptAt }) },
    now,
  );
  if (!moved) {
    // This worker outlived its lease and another took the delivery over: what the call did is on the
    // attempt row, but the delivery's state is no longer this worker's to change.
    log("warn", "delivery.lease_lost", { delivery_id: delivery.id, attempt, outcome: result.outcome });
    return { step: "held" };
  }
  if (status === "retrying" && nextAttemptAt !== undefined) {
    await sendMessages(env.DELIVERIES_QUEUE, deliveryMessages([delivery.id]), {
      delaySeconds: delaySeconds(nextAttemptAt - now),
    });
  }
  if (status === "dead")
    await sendDeadLetter(ctx, delivery, result.errorCode ?? "unknown", result.error ?? "");
  await refreshEventStatus(env.DB, delivery.event_id);
  log(status === "dead" ? "warn" : "info", "delivery.attempt", {
    event_id: delivery.event_id,
    delivery_id: delivery.id,
    reaction: delivery.reaction,
    attempt,
    outcome: result.outcome,
    status,
    code: result.errorCode,
    http_status: result.response?.status,
    ms: result.durationMs,
  });
  return { step: "attempted", attempt, status, ...(result.errorCode && { code: result.errorCode }) };
}

function sendDeadLetter(ctx: DeliveryContext, delivery: DeliveryRow, code: string, reason: string) {
  return sendMessages(ctx.env.DEAD_LETTERS, [
    {
      kind: "dead_delivery",
      deliveryId: delivery.id,
      eventId: delivery.event_id,
      reaction: delivery.reaction,
      code,
      reason,
    },
  ]);
}

async function requeue(
  ctx: DeliveryContext,
  message: DeliveryMessage,
  at: number,
  why: "not_due" | "paced",
): Promise<DeliveryStep> {
  await sendMessages(ctx.env.DELIVERIES_QUEUE, [message], { delaySeconds: delaySeconds(at - ctx.now()) });
  return { step: "requeued", notBefore: at, why };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
