import type { Env } from "../../env";
import { ConflictError, NotFoundError } from "../../errors";
import { type DeliveryRow, type DeliveryStatus, getDelivery } from "../../store/deliveries";
import { type DeadSelection, listDeadDeliveries, resetDeliveries } from "../../store/delivery-resets";
import { requeueDeliveries, sendDeliveryMessages } from "./requeue";

/**
 * Operator retry of one delivery: a dead or retrying one goes back to pending, due now, with a fresh retry
 * schedule, and is queued. A succeeded one only with `force`; one being attempted right now never.
 * Returns the delivery as it now is.
 */
export async function retryDelivery(
  env: Env,
  id: string,
  options: { force: boolean; now: number },
): Promise<DeliveryRow> {
  const from: DeliveryStatus[] = options.force ? ["dead", "retrying", "succeeded"] : ["dead", "retrying"];
  const [reset] = await resetDeliveries(env.DB, [id], from, options.now);
  if (reset) {
    await requeueDeliveries(env, [reset]);
    return reset;
  }
  const current = await getDelivery(env.DB, id);
  if (!current) throw new NotFoundError("delivery_not_found", `No delivery with id "${id}".`);
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

/** Bulk retry of dead deliveries, at most `limit` per call; `more` says whether others still match. */
export async function retryDeadDeliveries(
  env: Env,
  selection: DeadSelection,
  options: { limit: number; now: number },
): Promise<{ queued: number; more: boolean }> {
  const ids = await listDeadDeliveries(env.DB, selection, options.limit + 1);
  const reset = await resetDeliveries(env.DB, ids.slice(0, options.limit), ["dead"], options.now);
  await requeueDeliveries(env, reset);
  return { queued: reset.length, more: ids.length > options.limit };
}
