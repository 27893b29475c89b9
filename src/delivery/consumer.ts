import type { Env } from "../env";
import { log } from "../lib/log";
import { delaySeconds, deliveryMessage, eventMessage } from "../queue/messages";
import { type DeliveryContext, deliveryContext } from "./context";
import { planEvent, RetryLater } from "./plan-event";
import { runDelivery } from "./run-delivery";

/**
 * Queue handler for both work queues. Messages are handled concurrently and acknowledged one by one, so a
 * slow or failing connection never holds back or re-runs the others in the batch.
 */
export async function consumeBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  overrides: Partial<DeliveryContext> = {},
): Promise<void> {
  let ctx: DeliveryContext;
  try {
    ctx = deliveryContext(env, overrides);
  } catch (error) {
    // Broken configuration (e.g. Membrane credentials missing): nothing can run until an operator fixes it.
    // Retry later; messages that run out of retries are recovered by the cron sweeps once it is fixed.
    log("error", "queue.context_failed", { queue: batch.queue, error: String(error) });
    for (const message of batch.messages) message.retry({ delaySeconds: 60 });
    return;
  }
  await Promise.all(batch.messages.map((message) => consumeMessage(ctx, message)));
}

async function consumeMessage(ctx: DeliveryContext, message: Message<unknown>): Promise<void> {
  try {
    const delivery = deliveryMessage.safeParse(message.body);
    if (delivery.success) {
      await runDelivery(ctx, delivery.data);
      message.ack();
      return;
    }
    const event = eventMessage.safeParse(message.body);
    if (event.success) {
      await planEvent(ctx, event.data.eventId, message.attempts);
      message.ack();
      return;
    }
    // Retrying a message nobody can read cannot help; say so loudly and drop it.
    log("error", "queue.unreadable_message", { queue: message.id });
    message.ack();
  } catch (error) {
    if (error instanceof RetryLater) {
      message.retry({ delaySeconds: delaySeconds(error.delayMs) });
      return;
    }
    // D1 or the queue itself failed: let the queue retry it (and dead-letter it after max_retries).
    log("error", "queue.message_failed", {
      message_id: message.id,
      attempts: message.attempts,
      error: String(error),
    });
    message.retry({ delaySeconds: Math.min(300, 2 ** message.attempts) });
  }
}
