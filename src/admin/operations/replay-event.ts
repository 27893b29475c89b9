import { enqueueEvents } from "../../delivery/outbox";
import type { Env } from "../../env";
import { ConflictError, NotFoundError, StorageError } from "../../errors";
import { buildEvent } from "../../ingress/build-event";
import { type DeliveryStatus, listDeliveries } from "../../store/deliveries";
import { isOutcomeUnknown, resetDeliveries } from "../../store/delivery-resets";
import { type EventRow, getEvent, recognizeEvent } from "../../store/events";
import { vendorName, vendors } from "../../vendors";
import { requeueDeliveries } from "./requeue";

export type ReplayResult =
  | {
      outcome: "replanned";
      /** The event was unrecognized and the current normalizer recognizes it. */
      renormalized: boolean;
      /** Dead deliveries (with force, also succeeded ones) put back to pending and queued. */
      reset: number;
      /** Succeeded deliveries left alone (no force). */
      skipped: number;
      /** Dead deliveries whose last call may have been applied, left alone (no force): check the vendor. */
      outcomeUnknown: number;
      /** Deliveries already waiting or running, left to the engine. */
      inProgress: number;
    }
  | { outcome: "still_unrecognized"; problems: string[] };

/**
 * Operator replay of one event. Its reactions are planned again through EVENTS_QUEUE (planning is
 * idempotent, so only reactions added since produce new deliveries); dead deliveries start over with a
 * fresh retry schedule. Succeeded ones, and dead ones whose last call may have been applied (outcome
 * unknown), start over only with `force`. An unrecognized event is first normalized again from its raw body,
 * for when the normalizer has learned its payload since.
 */
export async function replayEvent(
  env: Env,
  eventId: string,
  options: { force: boolean; now: number },
): Promise<ReplayResult> {
  const row = await getEvent(env.DB, eventId);
  if (!row) throw new NotFoundError("event_not_found", `No event with id "${eventId}".`);
  if (row.status === "rejected") {
    throw new ConflictError(
      "event_rejected",
      "The event failed its authenticity check; it is never reacted to.",
    );
  }

  if (row.redacted_at !== null) {
    throw new ConflictError(
      "event_redacted",
      "An erasure request removed this event's personal data; it is never reacted to again.",
    );
  }

  let renormalized = false;
  if (row.status === "unrecognized") {
    const problems = await renormalize(env.DB, row);
    if (problems) return { outcome: "still_unrecognized", problems };
    renormalized = true;
  }

  const deliveries = await listDeliveries(env.DB, eventId);
  const resettable: DeliveryStatus[] = options.force ? ["dead", "succeeded"] : ["dead"];
  const reset = await resetDeliveries(
    env.DB,
    deliveries.filter((d) => resettable.includes(d.status)).map((d) => d.id),
    { from: resettable, outcomeUnknown: options.force, now: options.now },
  );
  await requeueDeliveries(env, reset);
  if (!(await enqueueEvents(env, [eventId]))) {
    throw new StorageError("The event could not be queued for planning; try the replay again.");
  }
  return {
    outcome: "replanned",
    renormalized,
    reset: reset.length,
    skipped: options.force ? 0 : deliveries.filter((d) => d.status === "succeeded").length,
    outcomeUnknown: options.force ? 0 : deliveries.filter(isOutcomeUnknown).length,
    inProgress: deliveries.filter((d) => ["pending", "retrying", "in_flight"].includes(d.status)).length,
  };
}

/**
 * Normalizes an unrecognized event's raw body with the vendor's current normalizer and stores the result
 * when it is now recognized. Returns the problems when it still is not.
 */
async function renormalize(db: D1Database, row: EventRow): Promise<string[] | null> {
  if (row.raw_body === null) {
    throw new ConflictError(
      "raw_body_gone",
      "Retention removed the raw body; the event cannot be normalized again.",
    );
  }
  const vendor = vendorName.safeParse(row.vendor);
  if (!vendor.success) {
    throw new ConflictError("vendor_unknown", `The bridge no longer knows the vendor "${row.vendor}".`);
  }
  // Ingress only stores bodies that parsed as JSON.
  const normalized = vendors[vendor.data].normalize(JSON.parse(row.raw_body));
  if (!normalized.recognized) return normalized.problems;
  const event = buildEvent(
    row.id,
    { name: row.route, vendor: vendor.data },
    normalized,
    new Date(row.received_at),
  );
  // Another replay may have won the race; either way the event is recognized now.
  await recognizeEvent(db, event);
  return null;
}
