import type { Reaction } from "../../config/reactions";
import type { CanonicalEvent } from "../../events/cloudevent";
import { personalValues } from "../../events/personal-data";
import {
  type ClaimedEvent,
  claimDelivery,
  claimDue,
  type DeliveryRow,
  getDelivery,
  heldEventJson,
  markOutcomeUnknown,
  markWaitingDead,
} from "../../store/deliveries";
import { getEvent, getRawBody, refreshEventStatus } from "../../store/events";
import { isDeliveryPaused } from "../../store/pauses";
import { readStoredEvent } from "../../store/stored-event";
import { ALERT_ROUTE, listensToAlerts } from "../alerts";
import type { DeliveryContext } from "../context";
import { rawPayload } from "../raw-payload";
import { alertDead, sendDeadLetter } from "./dead-letter";
import type { DeliveryStep } from "./step";

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
  if (!reaction) return reactionGone(ctx, delivery);
  const now = ctx.now();
  const lost = delivery.status === "in_flight" ? await lostWorker(ctx, delivery, reaction, now) : undefined;
  if (lost) return lost;

  // An operator paused its connection or route (admin API): leave it waiting, unclaimed and with no attempt
  // spent; resuming sends it to its lane again.
  if (await isDeliveryPaused(env.DB, delivery.id)) return { step: "paused" };
  const dueAt = delivery.status === "in_flight" ? now : (delivery.next_attempt_at ?? now);
  if (dueAt > now) return { step: "not_due", until: dueAt };

  const attempt = await claimDelivery(env.DB, delivery.id, {
    now,
    leaseMs: ctx.config.delivery.lease_ms,
    retakeExpired:
      reaction.recipe.idempotent || reconcilable(delivery, reaction) || unstarted(delivery, reaction),
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

/** A lost worker that had saved a checkpoint before its call is reconcilable: the next attempt reads the vendor's state first. */
const reconcilable = (delivery: DeliveryRow, reaction: Reaction) =>
  reaction.recipe.reconcile !== undefined && delivery.reconcile_state !== null;

/**
 * A lost worker that saved no checkpoint, of a recipe that writes one before each call that changes the
 * vendor's state (`checkpointsWrites`), sent no such call: it is run again. A late write of the lost worker is
 * refused (its attempt number no longer holds), so it cannot send one after the retake either.
 */
const unstarted = (delivery: DeliveryRow, reaction: Reaction) =>
  reaction.recipe.checkpointsWrites === true && delivery.reconcile_state === null;

/**
 * An in-flight delivery: held while its lease lives; once it ran out, held until a reconcilable call could no
 * longer land; left to an operator when its non-idempotent call cannot be checked; else undefined (retaken).
 */
async function lostWorker(
  ctx: DeliveryContext,
  delivery: DeliveryRow,
  reaction: Reaction,
  now: number,
): Promise<DeliveryStep | undefined> {
  const leaseUntil = delivery.lease_until ?? now;
  if ((delivery.lease_until ?? 0) >= now) return { step: "held", until: leaseUntil + 1 };
  const canReconcile = reconcilable(delivery, reaction);
  // The lost worker's call may still land: read the vendor's state only once it no longer can.
  const settledAt = leaseUntil + ctx.config.delivery.ambiguous_settle_seconds * 1000;
  if (canReconcile && settledAt > now) return { step: "held", until: settledAt };
  if (reaction.recipe.idempotent || canReconcile || unstarted(delivery, reaction)) return undefined;
  // Its call may or may not have reached the vendor. Repeating a non-idempotent call could apply it twice, so
  // stop and leave it to an operator.
  const marked = await markOutcomeUnknown(
    ctx.env.DB,
    delivery.id,
    now,
    "the attempt was interrupted after it started; check the vendor before retrying (a repeat could apply it twice)",
  );
  if (!marked) return { step: "held", until: now + 1_000 };
  await refreshEventStatus(ctx.env.DB, delivery.event_id);
  if (!listensToAlerts(reaction)) await alertDead(ctx, delivery, "outcome_unknown", delivery.attempts);
  return { step: "outcome_unknown" };
}

/** A waiting delivery whose reaction is no longer configured dies, visibly. */
async function reactionGone(ctx: DeliveryContext, delivery: DeliveryRow): Promise<DeliveryStep> {
  const { env } = ctx;
  const now = ctx.now();
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

function parseOrNull(text: string | null | undefined): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
