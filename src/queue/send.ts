import type { DeliveryMessage, EventMessage } from "./messages";

/** Queues' `sendBatch` takes at most 100 messages. */
const SEND_BATCH = 100;

/** Sends every body, in batches the queue accepts; `delaySeconds` applies to each message. */
export async function sendMessages<T>(
  queue: Queue<T>,
  bodies: readonly T[],
  options: { delaySeconds?: number } = {},
): Promise<void> {
  for (let i = 0; i < bodies.length; i += SEND_BATCH) {
    await queue.sendBatch(bodies.slice(i, i + SEND_BATCH).map((body) => ({ body, ...options })));
  }
}

/** EVENTS_QUEUE messages for stored events. */
export const eventMessages = (ids: readonly string[]): EventMessage[] => ids.map((eventId) => ({ eventId }));

/** DELIVERIES_QUEUE messages for deliveries due now. */
export const deliveryMessages = (ids: readonly string[]): DeliveryMessage[] =>
  ids.map((deliveryId) => ({ deliveryId }));
