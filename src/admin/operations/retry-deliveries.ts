import type { Env } from "../../env";
import { ConflictError, NotFoundError } from "../../errors";
import { type DeliveryRow, type DeliveryStatus, getDelivery } from "../../store/deliveries";
import {
  countDeadDeliveries,
  type DeadSelection,
  isOutcomeUnknown,
  listDeadDeliveries,
  resetDeliveries,
} from "../../store/delivery-resets";
import { requeueDeliveries, sendDeliveryMessages } from "./requeue";

/**
 * Operator retry of one delivery: a dead or retrying one goes back to pending, due now, with a fresh retry
 * schedule, and is queued. A succeeded one, or a dead one whose last call may have been applied (outcome
 * unknown), only with `force`; one being attempted right now never. Returns the delivery as it now is.
 */
export async function retryDelivery(
  env: Env,
  id: string,
  options: { force: boolean; now: number },
): Promise<DeliveryRow> {
  const from: DeliveryStatus[] = options.force ? ["dead", "retrying", "succeeded"] : ["dead", "retrying"];
  const [reset] = await resetDeliveries(env.DB, [id], {
    from,
    outcomeUnknown: options.force,
    now: options.now,
  });
  if (reset) {
    await requeueDeliveries(env, [reset]);
    return reset;
  }
  const current = await getDelivery(env.DB, id);
  if (!current) throw new NotFoundError("delivery_not_found", `No delivery with id "${id}".`);
  if (isOutcomeUnknown(current)) {
    throw new ConflictError(
      "outcome_unknown_needs_force",
      "Its last call may have reached the vendor: the answer was lost. Check the vendor first (a repeat " +
        'could apply it twice), then retry with force ({"force": true}) only if it was not applied.',
    );
  }
  switch (current.status) {
    case "succeeded":
      throw new ConflictError(
        "delivery_succeeded",
        'The delivery already succeeded; send {"force": true} to run it again.',
      );
    case "in_flight":
      throw new ConflictError("delivery_in_flight", "An attempt is running now; retry once it has finished.");
    default:
      // Already pending and due: make sure a message is on its way (harmless if one already is).
      await sendDeliveryMessages(env, [current.id]);
      return current;
  }
}

export interface BulkRetryResult {
  queued: number;
  /** Other retryable dead deliveries still match. */
  more: boolean;
  /** Matching dead deliveries left out because their outcome is unknown: each needs a vendor check first. */
  outcomeUnknown: number;
}

/**
 * Bulk retry of dead deliveries, at most `limit` per call. Those whose outcome is unknown are never
 * selected (a bulk retry cannot check the vendor for each); they are counted so the operator knows.
 */
export async function retryDeadDeliveries(
  env: Env,
  selection: DeadSelection,
  options: { limit: number; now: number },
): Promise<BulkRetryResult> {
  const [ids, outcomeUnknown] = await Promise.all([
    listDeadDeliveries(env.DB, { ...selection, outcomeUnknown: false }, options.limit + 1),
    countDeadDeliveries(env.DB, { ...selection, outcomeUnknown: true }),
  ]);
  const reset = await resetDeliveries(env.DB, ids.slice(0, options.limit), {
    from: ["dead"],
    outcomeUnknown: false,
    now: options.now,
  });
  await requeueDeliveries(env, reset);
  return { queued: reset.length, more: ids.length > options.limit, outcomeUnknown };
}
