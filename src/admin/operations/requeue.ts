import type { Env } from "../../env";
import { StorageError } from "../../errors";
import { log } from "../../lib/log";
import { deliveryMessages, sendMessages } from "../../queue/send";
import type { DeliveryRow } from "../../store/deliveries";
import { refreshEventStatuses } from "../../store/events";

/**
 * Sends a queue message for each delivery an operator put back to pending, after updating their events'
 * status (a failed event with a delivery pending again is processing). If the queue refuses, the rows stay
 * pending and the cron sweep re-sends them; the caller is told so with a 503.
 */
export async function requeueDeliveries(
  env: Env,
  deliveries: readonly Pick<DeliveryRow, "id" | "event_id">[],
): Promise<void> {
  if (deliveries.length === 0) return;
  await refreshEventStatuses(env.DB, [...new Set(deliveries.map((d) => d.event_id))]);
  await sendDeliveryMessages(
    env,
    deliveries.map((d) => d.id),
  );
}

export async function sendDeliveryMessages(env: Env, ids: readonly string[]): Promise<void> {
  try {
    await sendMessages(env.DELIVERIES_QUEUE, deliveryMessages(ids));
  } catch (error) {
    log("error", "admin.queue_send_failed", { count: ids.length, error: String(error) });
    throw new StorageError(
      "The deliveries are pending but could not be queued now; the cron sweep sends them within minutes.",
    );
  }
}
