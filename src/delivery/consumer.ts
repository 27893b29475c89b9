import type { Env } from "../env";
import { log } from "../lib/log";
import { type DeliveryMessage, delaySeconds, deliveryMessage, eventMessage } from "../queue/messages";
import { getDeliveries } from "../store/deliveries";
import { type EventRow, getEvents } from "../store/events";
import { type DeliveryContext, deliveryContext } from "./context";
import { laneOf } from "./lane/connection-lane";
import { laneItem } from "./lane/items";
import type { LaneItem } from "./lane/work";
import { planEvent, RetryLater } from "./plan-event";

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
  const deliveries: Array<Message<unknown> & { body: DeliveryMessage }> = [];
  const others: Message<unknown>[] = [];
  for (const message of batch.messages) {
    if (deliveryMessage.safeParse(message.body).success)
      deliveries.push(message as (typeof deliveries)[number]);
    else others.push(message);
  }
  await Promise.all([handOverToLanes(ctx, deliveries), planEvents(ctx, others)]);
}

/** EVENTS_QUEUE messages: their events are read in one D1 round trip, then each is planned on its own. */
async function planEvents(ctx: DeliveryContext, messages: readonly Message<unknown>[]): Promise<void> {
  const parsed = messages.map((message) => ({
    message,
    eventId: eventMessage.safeParse(message.body).data?.eventId,
  }));
  const ids = parsed.flatMap((p) => p.eventId ?? []);
  let rows: Map<string, EventRow> | undefined;
  try {
    rows = new Map((await getEvents(ctx.env.DB, ids)).map((row) => [row.id, row]));
  } catch (error) {
    // Each planning reads its own event then, and fails or retries on its own.
    log("warn", "queue.events_prefetch_failed", { error: String(error) });
  }
  await Promise.all(parsed.map(({ message, eventId }) => consumeMessage(ctx, message, eventId, rows)));
}

/**
 * DELIVERIES_QUEUE messages are handed to their connection's lane, which runs them with its pace, batches,
 * order and breaker; a message is acknowledged once its lane holds the delivery.
 */
async function handOverToLanes(
  ctx: DeliveryContext,
  messages: ReadonlyArray<Message<unknown> & { body: DeliveryMessage }>,
): Promise<void> {
  if (messages.length === 0) return;
  const found = await getDeliveries(
    ctx.env.DB,
    messages.map((m) => m.body.deliveryId),
  );
  const byId = new Map(found.map((row) => [row.id, row]));
  const byConnection = new Map<string, { messages: Message<unknown>[]; items: LaneItem[] }>();
  for (const message of messages) {
    const row = byId.get(message.body.deliveryId);
    if (!row || row.status === "succeeded" || row.status === "dead") {
      message.ack();
      continue;
    }
    const lane = byConnection.get(row.connection_id) ?? { messages: [], items: [] };
    lane.messages.push(message);
    lane.items.push(laneItem(row, ctx.now()));
    byConnection.set(row.connection_id, lane);
  }
  await Promise.all(
    [...byConnection].map(async ([connection, lane]) => {
      try {
        await laneOf(ctx.env, connection).enqueue(connection, lane.items);
        for (const message of lane.messages) message.ack();
      } catch (error) {
        log("error", "queue.lane_unavailable", { connection, error: String(error) });
        for (const message of lane.messages) message.retry({ delaySeconds: 5 });
      }
    }),
  );
}

/** Plans one EVENTS_QUEUE message's event (`eventId` undefined: the message is unreadable). */
async function consumeMessage(
  ctx: DeliveryContext,
  message: Message<unknown>,
  eventId: string | undefined,
  rows: ReadonlyMap<string, EventRow> | undefined,
): Promise<void> {
  try {
    if (eventId !== undefined) {
      await planEvent(ctx, eventId, message.attempts, rows && (rows.get(eventId) ?? null));
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
