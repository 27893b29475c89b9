import type { Reaction } from "../config/reactions";
import type { CanonicalEvent } from "../events/cloudevent";
import { maskValues, personalValues } from "../events/personal-data";
import { log, redactEmail } from "../lib/log";
import type { DeliveryMessage } from "../queue/messages";
import { sendMessages } from "../queue/send";
import type { ReactionResult, RecipeContext, Reconciliation } from "../reactions/types";
import {
  type AttemptResult,
  type ClaimedEvent,
  claimDelivery,
  claimDue,
  type DeliveryRow,
  getDelivery,
  heldEventJson,
  markOutcomeUnknown,
  markWaitingDead,
  recordAttempt,
  saveReconcileState,
} from "../store/deliveries";
import { getEvent, getRawBody, refreshEventStatus } from "../store/events";
import { isDeliveryPaused } from "../store/pauses";
import { recordReconciliation } from "../store/reconciliations";
import { readStoredEvent } from "../store/stored-event";
import { DeliveryActions } from "./actions/action-runner";
import { ALERT_ROUTE, deadDeliveryAlert, emitAlert, findingAlert, listensToAlerts } from "./alerts";
import { retryDelayMs } from "./backoff";
import type { DeliveryContext } from "./context";
import { rawPayload } from "./raw-payload";

/** What happened to one delivery; the connection's lane schedules what comes next from it. */
export type DeliveryStep =
  | { step: "gone" | "finished" | "paused" }
  /** Not due yet, or claimed by a live lease elsewhere: look again at `until`. */
  | { step: "not_due" | "held"; until: number }
  | {
      step: "attempted";
      attempt: number;
      status: "succeeded" | "retrying" | "dead";
      outcome: AttemptResult["outcome"];
      code?: string;
      reason?: string;
      nextAttemptAt?: number;
    }
  | { step: "outcome_unknown" };

/** A delivery claimed for one attempt, with what its recipe needs. */
export interface ClaimedDelivery {
  delivery: DeliveryRow;
  reaction: Reaction;
  attempt: number;
  /** The event, or why the recipe cannot run (event gone or redacted). */
  event: CanonicalEvent | { missing: string };
  /** The person's values (names, address...) a dead letter must not carry. */
  personal: () => Promise<readonly string[]>;
  /** The vendor's payload for `$raw`, read and parsed only when a mapping asks for it. */
  raw: () => Promise<unknown>;
  /** This attempt takes over one whose worker was lost (its lease ran out while it was in flight). */
  retaken: boolean;
}

/** Attempts one delivery now. Pacing, order and the breaker are the lane's business (src/delivery/lane/). */
export async function runDelivery(ctx: DeliveryContext, message: DeliveryMessage): Promise<DeliveryStep> {
  const claimed = (await claimForAttempts(ctx, [message.deliveryId])).get(message.deliveryId) ?? {
    step: "gone",
  };
  if ("step" in claimed) return claimed;
  const started = ctx.now();
  const { event, reaction, delivery } = claimed;
  if ("missing" in event)
    return finish(
      ctx,
      claimed,
      ctx.now(),
      toAttemptResult({ kind: "missing_data", reason: event.missing }, 0),
    );
  // This attempt's actions: each read from the workspace and its input checked before it is sent.
  const actions = new DeliveryActions(ctx, reaction);
  // An earlier attempt's outcome was ambiguous, or its worker was lost: check the vendor before anything is
  // sent again. A lost attempt with no checkpoint yet did what the recipe says it may have (`interrupted`).
  let resume: unknown;
  const interrupted = claimed.retaken ? reaction.recipe.interrupted : undefined;
  const state = delivery.reconcile_state ?? (interrupted === undefined ? null : JSON.stringify(interrupted));
  if (state !== null && reaction.recipe.reconcile) {
    const checked = await reconcileFirst(ctx, claimed, actions, event, state, started);
    if (!("run" in checked)) return finish(ctx, claimed, ctx.now(), checked);
    resume = checked.resume;
  }
  // A misfit action input stops here, before any vendor call of this run.
  const misfit = await actions.precheck(event);
  if (misfit) return finish(ctx, claimed, ctx.now(), toAttemptResult(misfit, ctx.now() - started));
  const result = await runRecipe(ctx, claimed, actions, event, {
    checkpoint: (saved) =>
      saveReconcileState(
        ctx.env.DB,
        delivery.id,
        claimed.attempt,
        saved === undefined ? null : JSON.stringify(saved),
      ),
    ...(resume !== undefined && { resume }),
  });
  const attempt = attemptOf(reaction, result, ctx.now() - started);
  return finish(ctx, claimed, ctx.now(), actions.unchecked ? { ...attempt, inputUnchecked: true } : attempt);
}

type FinishResult = AttemptResult & {
  retryAfterMs?: number;
  /** JSON the next attempt reconciles with before repeating the call; absent clears it. */
  reconcileState?: string;
};

/**
 * An ambiguous result of a recipe that can reconcile becomes a transient attempt that keeps what the recipe
 * saved: the next attempt reads the vendor's state before repeating anything. Otherwise toAttemptResult.
 */
function attemptOf(reaction: Reaction, result: ReactionResult, durationMs: number): FinishResult {
  if (result.kind !== "unknown" || result.saved === undefined || !reaction.recipe.reconcile)
    return toAttemptResult(result, durationMs);
  const { outcome } = result;
  return {
    ...toAttemptResult(outcome, durationMs),
    outcome: "transient",
    errorCode: outcome.kind === "transient" ? outcome.code : "outcome_ambiguous",
    error: `${result.reason}; the vendor's state is checked before any repeat`,
    reconcileState: JSON.stringify(result.saved),
  };
}

/**
 * What the next attempt does after reconciling: run the recipe again (from what the verdict says to resume
 * from), or finish with this result. Each verdict is recorded, so the stats show how often each comes.
 */
async function reconcileFirst(
  ctx: DeliveryContext,
  claimed: ClaimedDelivery,
  actions: DeliveryActions,
  event: CanonicalEvent,
  state: string,
  started: number,
): Promise<{ run: true; resume?: unknown } | FinishResult> {
  const { reaction, delivery } = claimed;
  const reconcile = reaction.recipe.reconcile;
  if (!reconcile) return { run: true };
  let found: Reconciliation;
  try {
    found = await reconcile(event, reaction.options, recipeContext(ctx, claimed, actions), JSON.parse(state));
  } catch (error) {
    log("error", "delivery.reconcile_crashed", { reaction: reaction.name, error: String(error) });
    found = { verdict: "unknown", reason: `reconciliation failed: ${String(error)}` };
  }
  const durationMs = ctx.now() - started;
  log("info", "delivery.reconciled", { reaction: reaction.name, verdict: found.verdict, check: found.check });
  await recordReconciliation(ctx.env.DB, {
    deliveryId: delivery.id,
    attempt: claimed.attempt,
    reaction: reaction.name,
    check: found.check ?? "outcome",
    verdict: found.verdict,
    at: ctx.now(),
  });
  switch (found.verdict) {
    case "not_applied":
      return { run: true, ...(found.resume !== undefined && { resume: found.resume }) };
    case "applied":
      return {
        outcome: "success",
        errorCode: "reconciled",
        error: `reconciled: the vendor had applied it${found.detail ? ` (${found.detail})` : ""}`,
        durationMs,
      };
    case "unknown":
      return {
        outcome: "unknown",
        errorCode: "outcome_unknown",
        error: `${found.reason}; check the vendor before retrying (a repeat could apply it twice)`,
        durationMs,
      };
    case "retry":
      // The reading failed: nothing was sent, so the delivery waits to read again.
      return { ...toAttemptResult(found.outcome, durationMs), reconcileState: state };
  }
}

const recipeContext = (
  ctx: DeliveryContext,
  { reaction, delivery }: Pick<ClaimedDelivery, "reaction" | "delivery">,
  actions: DeliveryActions,
): RecipeContext => ({
  membrane: ctx.membrane,
  connectionId: reaction.connection,
  actions,
  shared: (key, read) => ctx.reads.read(`${reaction.connection}\u0000${key}`, read),
  report: (finding) =>
    listensToAlerts(reaction)
      ? Promise.resolve()
      : emitAlert(ctx.env, ctx.config.reactions, findingAlert(finding, delivery), ctx.now()),
});

/**
 * Loads a delivery and claims it for an attempt (recorded before any call goes out), or says why not: done,
 * gone, paused, not due, held by a live lease, or dead-lettered because its reaction is gone or its
 * non-idempotent call was interrupted.
 */
async function claimForAttempt(
  ctx: DeliveryContext,
  deliveryId: string,
): Promise<ClaimedDelivery | DeliveryStep> {
  const { env } = ctx;
  const delivery = await getDelivery(env.DB, deliveryId);
  if (!delivery) return { step: "gone" };
  if (delivery.status === "succeeded" || delivery.status === "dead") return { step: "finished" };

  const reaction = ctx.config.reactions.find((r) => r.name === delivery.reaction);
  const now = ctx.now();
  if (!reaction) {
    const reason = `reaction ${delivery.reaction} is no longer enabled in the configuration`;
    if (!(await markWaitingDead(env.DB, delivery.id, now, "reaction_not_configured", reason)))
      return { step: "held", until: delivery.lease_until ?? now };
    await sendDeadLetter(ctx, delivery, "reaction_not_configured", reason);
    // Its reaction is gone, so whether it listened to alerts is read from its event's route.
    if ((await getEvent(env.DB, delivery.event_id))?.route !== ALERT_ROUTE)
      await alertDead(ctx, delivery, "reaction_not_configured", delivery.attempts);
    await refreshEventStatus(env.DB, delivery.event_id);
    return {
      step: "attempted",
      attempt: 0,
      status: "dead",
      outcome: "permanent",
      code: "reaction_not_configured",
      reason,
    };
  }

  // A lost worker that had saved a checkpoint before its call, or whose recipe says what an attempt lost before
  // any may have done: the next attempt reads the vendor's state first.
  const reconcilable =
    reaction.recipe.reconcile !== undefined &&
    (delivery.reconcile_state !== null || reaction.recipe.interrupted !== undefined);
  if (delivery.status === "in_flight" && (delivery.lease_until ?? 0) >= now)
    return { step: "held", until: (delivery.lease_until ?? now) + 1 };
  // The lost worker's call may still land: read the vendor's state only once it no longer can.
  const settledAt = (delivery.lease_until ?? now) + ctx.config.delivery.ambiguous_settle_seconds * 1000;
  if (delivery.status === "in_flight" && reconcilable && settledAt > now)
    return { step: "held", until: settledAt };
  if (delivery.status === "in_flight" && !reaction.recipe.idempotent && !reconcilable) {
    // The worker that held it is gone; its call may or may not have reached the vendor. Repeating a
    // non-idempotent call could apply it twice, so stop and leave it to an operator.
    const marked = await markOutcomeUnknown(
      env.DB,
      delivery.id,
      now,
      "the attempt was interrupted after it started; check the vendor before retrying (a repeat could apply it twice)",
    );
    if (marked) {
      await refreshEventStatus(env.DB, delivery.event_id);
      if (!listensToAlerts(reaction)) await alertDead(ctx, delivery, "outcome_unknown", delivery.attempts);
    }
    return marked ? { step: "outcome_unknown" } : { step: "held", until: now + 1_000 };
  }

  // An operator paused its connection or route (admin API): leave it waiting, unclaimed and with no attempt
  // spent; resuming sends it to its lane again.
  if (await isDeliveryPaused(env.DB, delivery.id)) return { step: "paused" };

  const dueAt = delivery.status === "in_flight" ? now : (delivery.next_attempt_at ?? now);
  if (dueAt > now) return { step: "not_due", until: dueAt };

  const attempt = await claimDelivery(env.DB, delivery.id, {
    now,
    leaseMs: ctx.config.delivery.lease_ms,
    retakeExpired: reaction.recipe.idempotent || reconcilable,
    request: plannedRequest(reaction),
  });
  if (attempt === null) return { step: "held", until: now + 1_000 };

  const row = await getEvent(env.DB, delivery.event_id);
  // A redacted event's own deletion delivery still holds what it must send (read after the event, so a
  // redaction between the two reads is seen with its hold).
  const held = row?.redacted_at === null || row === null ? null : await heldEventJson(env.DB, delivery.id);
  const claimed = claimedDelivery(delivery, reaction, attempt, row, held, async () => row?.raw_body ?? null);
  return { ...claimed, retaken: delivery.status === "in_flight" };
}

/**
 * Claims deliveries for an attempt each: those that simply wait and are due all in one D1 round trip
 * (claimDue), the others one by one through claimForAttempt, which knows every special case.
 */
export async function claimForAttempts(
  ctx: DeliveryContext,
  deliveryIds: readonly string[],
): Promise<Map<string, ClaimedDelivery | DeliveryStep>> {
  const reactions = new Map(ctx.config.reactions.map((r) => [r.name, r]));
  const due = await claimDue(ctx.env.DB, deliveryIds, {
    now: ctx.now(),
    leaseMs: ctx.config.delivery.lease_ms,
    requests: Object.fromEntries([...reactions].map(([name, r]) => [name, plannedRequest(r)])),
  });
  const claims = new Map<string, ClaimedDelivery | DeliveryStep>();
  for (const { delivery, event } of due) {
    const reaction = reactions.get(delivery.reaction);
    // Claimed only for a configured reaction; the one read in the same transaction holds its event.
    if (reaction)
      claims.set(
        delivery.id,
        claimedDelivery(delivery, reaction, delivery.attempts, event, delivery.held_event_json, () =>
          getRawBody(ctx.env.DB, delivery.event_id),
        ),
      );
  }
  await Promise.all(
    deliveryIds
      .filter((id) => !claims.has(id))
      .map(async (id) => claims.set(id, await claimForAttempt(ctx, id))),
  );
  return claims;
}

/** What the attempt's record shows until the call's own request is known. */
const plannedRequest = (reaction: Reaction) => ({
  method: "-",
  path: `(planned: ${reaction.recipe.key} via ${reaction.connection})`,
});

/** A claimed delivery with its event: what the recipe reads, or why it cannot (gone, or redacted). */
function claimedDelivery(
  delivery: DeliveryRow,
  reaction: Reaction,
  attempt: number,
  row: ClaimedEvent | null,
  held: string | null,
  rawBody: () => Promise<string | null>,
): ClaimedDelivery {
  const input = row === null ? null : row.redacted_at === null ? row.event_json : held;
  const event = !row
    ? { missing: "the event row is gone" }
    : input === null
      ? { missing: "the event was redacted after an erasure request" }
      : (readStoredEvent(input) as CanonicalEvent);
  // Read and parsed only for a dead letter: the raw body may be large, and most attempts do not die.
  const personal = async () => personalValues([input, row ? await rawBody() : null].map(parseOrNull));
  // A redacted event's raw body is gone: `$raw` is undefined then, like after retention.
  const raw = async () => rawPayload(row ? await rawBody() : null);
  return { delivery, reaction, attempt, event, personal, raw, retaken: false };
}

async function runRecipe(
  ctx: DeliveryContext,
  claimed: ClaimedDelivery,
  actions: DeliveryActions,
  event: CanonicalEvent,
  extra: Pick<RecipeContext, "checkpoint" | "resume">,
): Promise<ReactionResult> {
  const { reaction } = claimed;
  try {
    return await reaction.recipe.run(event, reaction.options, {
      ...recipeContext(ctx, claimed, actions),
      raw: claimed.raw,
      ...extra,
    });
  } catch (error) {
    // A recipe bug, not a vendor failure: retrying the same code on the same event cannot help.
    log("error", "delivery.recipe_crashed", { reaction: reaction.name, error: String(error) });
    return { kind: "missing_data", reason: `recipe ${reaction.recipe.key} failed: ${String(error)}` };
  }
}

export function toAttemptResult(
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
export async function finish(
  ctx: DeliveryContext,
  claimed: Pick<ClaimedDelivery, "delivery" | "reaction" | "attempt" | "personal">,
  now: number,
  result: FinishResult,
): Promise<DeliveryStep> {
  const { env, config } = ctx;
  const { delivery, reaction, attempt, personal } = claimed;
  let status: "succeeded" | "retrying" | "dead" = result.outcome === "success" ? "succeeded" : "dead";
  let nextAttemptAt: number | undefined;
  if (result.outcome === "transient") {
    // Counted from the last manual retry, so an operator's retry gets a full schedule again.
    const schedule = reaction.retrySchedule ?? config.delivery.retry_schedule_seconds;
    const scheduled = retryDelayMs(schedule, attempt - delivery.retry_base, {
      jitter: config.delivery.jitter,
      ...(result.retryAfterMs !== undefined && { retryAfterMs: result.retryAfterMs }),
    });
    // A call that may still land upstream is read back only once it no longer can.
    const delay =
      scheduled !== null && result.reconcileState !== undefined
        ? Math.max(scheduled, config.delivery.ambiguous_settle_seconds * 1000)
        : scheduled;
    if (delay === null && result.reconcileState !== undefined) {
      // Out of retries with the last outcome ambiguous: only an operator can tell (a retry reconciles first).
      result = {
        ...result,
        outcome: "unknown",
        errorCode: "outcome_unknown",
        error: `gave up after ${attempt} attempts: ${result.error ?? result.errorCode}; check the vendor before retrying (a repeat could apply it twice)`,
      };
    } else if (delay === null) {
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
    {
      status,
      ...(nextAttemptAt !== undefined && { nextAttemptAt }),
      // Kept only while the delivery waits for its next attempt: once it is dead an operator has the last
      // word, and a forced retry runs the call (they checked the vendor) rather than reading again.
      ...(status === "retrying" &&
        result.reconcileState !== undefined && {
          reconcileState: result.reconcileState,
        }),
    },
    now,
  );
  if (!moved) {
    // This worker outlived its lease and another took the delivery over: what the call did is on the
    // attempt row, but the delivery's state is no longer this worker's to change.
    log("warn", "delivery.lease_lost", { delivery_id: delivery.id, attempt, outcome: result.outcome });
    return { step: "held", until: now + 1_000 };
  }
  if (status === "dead") {
    await sendDeadLetter(ctx, delivery, result.errorCode ?? "unknown", result.error ?? "", await personal());
    if (!listensToAlerts(reaction)) await alertDead(ctx, delivery, result.errorCode ?? "unknown", attempt);
  }
  // A failed attempt is a warning even when it will be retried, so LOG_LEVEL=warn still shows it.
  log(result.outcome === "success" ? "info" : "warn", "delivery.attempt", {
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
  return {
    step: "attempted",
    attempt,
    status,
    outcome: result.outcome,
    ...(result.errorCode && { code: result.errorCode }),
    ...(result.error && { reason: result.error }),
    ...(nextAttemptAt !== undefined && { nextAttemptAt }),
  };
}

/**
 * Dead letters leave D1 (an erasure cannot reach them later), so their reason carries no e-mail and none of
 * the event's personal values (names a vendor's error may echo from what it was sent).
 */
function sendDeadLetter(
  ctx: DeliveryContext,
  delivery: DeliveryRow,
  code: string,
  reason: string,
  personal: readonly string[] = [],
) {
  return sendMessages(ctx.env.DEAD_LETTERS, [
    {
      kind: "dead_delivery",
      deliveryId: delivery.id,
      eventId: delivery.event_id,
      reaction: delivery.reaction,
      code,
      reason: redactEmail(maskValues(reason, personal)),
    },
  ]);
}

function alertDead(ctx: DeliveryContext, delivery: DeliveryRow, code: string, attempts: number) {
  return emitAlert(ctx.env, ctx.config.reactions, deadDeliveryAlert(delivery, code, attempts), ctx.now());
}

function parseOrNull(text: string | null | undefined): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
