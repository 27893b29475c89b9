import { z } from "zod";

/** EVENTS_QUEUE: a stored event to confirm and plan. */
export const eventMessage = z.strictObject({ eventId: z.string().min(1) });
/**
 * DELIVERIES_QUEUE: one delivery, handed to its connection's lane. `notBefore` (a pacing slot, from before
 * the lanes) is ignored; it stays in the schema so messages still queued from that version are read.
 */
export const deliveryMessage = z.strictObject({
  deliveryId: z.string().min(1),
  notBefore: z.number().int().optional(),
});
/** DEAD_LETTERS: what an operator needs to see without opening D1. */
export const deadLetterMessage = z.strictObject({
  kind: z.literal("dead_delivery"),
  deliveryId: z.string(),
  eventId: z.string(),
  reaction: z.string(),
  code: z.string(),
  reason: z.string(),
});

export type EventMessage = z.infer<typeof eventMessage>;
export type DeliveryMessage = z.infer<typeof deliveryMessage>;
export type DeadLetterMessage = z.infer<typeof deadLetterMessage>;

/** Queue delays are whole seconds, at most 12 hours. */
export function delaySeconds(ms: number): number {
  return Math.min(43_200, Math.max(0, Math.ceil(ms / 1000)));
}
