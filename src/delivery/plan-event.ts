import { type Reaction, reactionsFor } from "../config/reactions";
import { redactionSalt } from "../config/redaction-salt";
import { type CanonicalEvent, isRecognized, type StoredEvent } from "../events/cloudevent";
import { keyedHash } from "../lib/crypto";
import { log } from "../lib/log";
import { deliveryMessages, eventMessages, sendMessages } from "../queue/send";
import type { EntityKeys } from "../reactions/types";
import { planDeliveries } from "../store/deliveries";
import { type EventRow, getEvent, markPlanningDue, setEventStatus, setVerification } from "../store/events";
import { getPause } from "../store/pauses";
import { readStoredEvent } from "../store/stored-event";
import { retryDelayMs } from "./backoff";
import { type Confirmation, confirmGenuine } from "./confirm-genuine";
import type { DeliveryContext } from "./context";
import { rawPayload } from "./raw-payload";

/** How often an event waiting on a paused connection looks again. */
const PAUSED_RECHECK_SECONDS = 60;

/** The event cannot be planned yet (confirmation call failed); the message is retried after `delayMs`. */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * EVENTS_QUEUE message: confirm the event is genuine where the route requires it, plan one delivery per
 * matching reaction (UNIQUE per event x reaction, so a redelivered message plans nothing new) and queue them.
 */
export async function planEvent(
  ctx: DeliveryContext,
  eventId: string,
  messageAttempts: number,
  /** The event's row when the caller read it already (null: it does not exist). */
  stored?: EventRow | null,
): Promise<void> {
  const { env } = ctx;
  const row = stored === undefined ? await getEvent(env.DB, eventId) : stored;
  if (!row) {
    log("warn", "plan.event_missing", { event_id: eventId });
    return;
  }
  if (row.status === "unrecognized" || row.status === "rejected") return;
  // A redacted event no longer holds the data its reactions would need, and must not be acted on again.
  if (row.redacted_at !== null) {
    // Redacted before it was planned (an erasure's deadline passed first): say so, or the sweep re-sends it.
    if (row.status === "accepted" || row.status === "queued") {
      await setEventStatus(env.DB, eventId, "failed", "redacted by an erasure request before it was planned");
    }
    return;
  }
  const event = readStoredEvent(row.event_json);
  if (row.verification === "pending_confirmation" && !(await confirmFirst(ctx, row, event, messageAttempts)))
    return;
  if (isRecognized(event)) await planReactions(ctx, row, event);
}

/**
 * A delivery of a route that confirms with the vendor (Coupontools) is confirmed before anything is planned:
 * true to go on; false when it is not genuine, failed for good, or waits on a paused connection. A failed call
 * that may pass later throws RetryLater.
 */
async function confirmFirst(
  ctx: DeliveryContext,
  row: EventRow,
  event: StoredEvent,
  messageAttempts: number,
): Promise<boolean> {
  const { env } = ctx;
  const route = ctx.config.routes[row.route];
  if (!route) throw new RetryLater(60_000, `route ${row.route} is no longer configured`);
  if (
    route.verifier.type === "coupontools" &&
    (await getPause(env.DB, "connection", route.verifier.connection))
  ) {
    // The confirmation call goes through a paused connection: wait without spending the message's retries.
    await sendMessages(env.EVENTS_QUEUE, eventMessages([row.id]), { delaySeconds: PAUSED_RECHECK_SECONDS });
    await markPlanningDue(env.DB, [row.id], ctx.now() + PAUSED_RECHECK_SECONDS * 1000);
    return false;
  }
  const confirmation = await confirmGenuine(ctx.membrane, route, {
    event,
    dedupeKey: row.dedupe_key,
    rawBody: row.raw_body,
  });
  if (confirmation.genuine === "unknown") return notConfirmedYet(ctx, row.id, confirmation, messageAttempts);
  if (confirmation.genuine === false) {
    await setVerification(env.DB, row.id, "not_genuine");
    await setEventStatus(env.DB, row.id, "rejected", confirmation.reason);
    log("warn", "plan.not_genuine", { event_id: row.id, route: row.route });
    return false;
  }
  await setVerification(env.DB, row.id, "confirmed");
  return true;
}

/** The confirmation call failed: tried again on the retry schedule, or the event fails saying why. */
async function notConfirmedYet(
  ctx: DeliveryContext,
  eventId: string,
  confirmation: Extract<Confirmation, { genuine: "unknown" }>,
  messageAttempts: number,
): Promise<false> {
  const { outcome } = confirmation;
  const reason = confirmation.reason ?? (outcome.kind === "success" ? "unexpected answer" : outcome.reason);
  const delay =
    outcome.kind === "transient"
      ? retryDelayMs(ctx.config.delivery.retry_schedule_seconds, messageAttempts, {
          jitter: ctx.config.delivery.jitter,
          ...(outcome.retryAfterMs !== undefined && { retryAfterMs: outcome.retryAfterMs }),
        })
      : null;
  log("warn", "plan.confirmation_failed", { event_id: eventId, outcome: outcome.kind, reason });
  if (delay === null) {
    // Refused for good (e.g. a defunct connection) or retries used up: say why and stop. The event keeps its
    // pending verification, so an operator's replay confirms it again.
    await setEventStatus(
      ctx.env.DB,
      eventId,
      "failed",
      `could not confirm the delivery with Coupontools: ${reason}`,
    );
    return false;
  }
  await markPlanningDue(ctx.env.DB, [eventId], ctx.now() + delay);
  throw new RetryLater(delay, "Coupontools verification call failed");
}

/** One delivery per reaction whose filter holds (UNIQUE per event x reaction), queued when new. */
async function planReactions(ctx: DeliveryContext, row: EventRow, event: CanonicalEvent): Promise<void> {
  const { env } = ctx;
  const reactions = await passingFilters(
    reactionsFor(ctx.config.reactions, event.type, row.route),
    event,
    row.raw_body,
  );
  // The vendor's time of the event where it says one (else receipt): the order of states of one entity.
  const eventSeq = Date.parse(event.time) || row.received_at;
  const keys = entityKeys(env);
  const planned = await Promise.all(
    reactions.map(async (r) => {
      const entityKey = await r.recipe.entity?.(event, r.options, keys);
      return {
        reaction: r.name,
        recipe: r.recipe.key,
        connectionId: r.connection,
        eventSeq,
        ...(entityKey !== undefined && { entityKey }),
      };
    }),
  );
  const deliveries = await planDeliveries(env.DB, row.id, planned, ctx.now());
  const fresh = deliveries.filter((d) => d.status === "pending" && d.attempts === 0);
  if (fresh.length > 0) await sendMessages(env.DELIVERIES_QUEUE, deliveryMessages(fresh.map((d) => d.id)));
  log("info", "plan.planned", { event_id: row.id, type: event.type, deliveries: deliveries.length });
}

/**
 * Entity keys are stored in D1 and in the lanes: one derived from an e-mail is its keyed hash (HMAC with
 * REDACTION_SALT, as for de-duplication keys), which nobody without the secret can reverse or look up.
 */
export function entityKeys(env: Record<string, unknown>): EntityKeys {
  return { hash: (text) => keyedHash(redactionSalt(env), `entity:${text}`) };
}

/**
 * The reactions whose `when` filter is true for this event (a reaction without one always applies). `$raw` is
 * the vendor's payload while its raw body is kept. A filter that fails on this event (a type error) does not
 * apply: it is logged with its code, never with the event's values.
 */
async function passingFilters(
  reactions: readonly Reaction[],
  event: CanonicalEvent,
  rawBody: string | null,
): Promise<Reaction[]> {
  if (!reactions.some((r) => r.when)) return [...reactions];
  const raw = rawPayload(rawBody);
  const passing: Reaction[] = [];
  for (const reaction of reactions) {
    if (!reaction.when) {
      passing.push(reaction);
      continue;
    }
    try {
      if ((await reaction.when.evaluate(event, { raw })) === true) passing.push(reaction);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      log("warn", "plan.filter_failed", { event_id: event.id, reaction: reaction.name, code: String(code) });
    }
  }
  return passing;
}
