import { z } from "zod";
import { retryDeadDeliveries, retryDelivery } from "../../operations/retry-deliveries";
import { defineRoute } from "../define-route";
import { presentDelivery } from "../present";
import { delivery, force, orderedWindow, skippedOutcomeUnknown, timeFilter, windowMessage } from "../schemas";

export const retryDeliveryRoute = defineRoute({
  id: "retryDelivery",
  method: "post",
  path: "/deliveries/{id}/retry",
  summary: "Retry one delivery now",
  description:
    "A dead or retrying delivery goes back to pending, due now, with a fresh retry schedule, and is queued. " +
    "A succeeded one answers 409 `delivery_succeeded` unless `force`. A dead one whose outcome is unknown (its " +
    "last call may have been applied) answers 409 `outcome_unknown_needs_force` unless `force`: check the " +
    "vendor first. One being attempted right now always answers 409.",
  errors: [400, 404, 409, 503],
  params: z.strictObject({ id: z.string().min(1) }),
  body: z.strictObject({ force }),
  response: z.object({ delivery }),
  handle: async ({ params, body }, c) => {
    const row = await retryDelivery(c.env, params.id, { force: body.force, now: Date.now() });
    return { delivery: presentDelivery(row) };
  },
});

export const retryDeadDeliveriesRoute = defineRoute({
  id: "retryDeadDeliveries",
  method: "post",
  path: "/deliveries/retry",
  summary: "Retry dead deliveries in bulk",
  description:
    "Selects dead deliveries (longest dead first) by route, reaction and the time their event was received, " +
    "puts at most `limit` back to pending and queues them. Call again while `more` is true. Deliveries whose " +
    "outcome is unknown are never selected; `skipped_outcome_unknown` counts those matching.",
  errors: [400, 503],
  body: z
    .strictObject({
      route: z.string().min(1).optional(),
      reaction: z.string().min(1).optional(),
      from: timeFilter.optional().describe("Event received at or after (ISO 8601)"),
      to: timeFilter.optional().describe("Event received before (ISO 8601)"),
      limit: z.int().min(1).max(500).default(100),
    })
    .refine(orderedWindow, windowMessage),
  response: z.object({
    queued: z.int().nonnegative().describe("Deliveries put back to pending and queued"),
    more: z.boolean().describe("Other dead deliveries match; call again"),
    skipped_outcome_unknown: skippedOutcomeUnknown,
  }),
  handle: async ({ body }, c) => {
    const { limit, ...selection } = body;
    const { queued, more, outcomeUnknown } = await retryDeadDeliveries(c.env, selection, {
      limit,
      now: Date.now(),
    });
    return { queued, more, skipped_outcome_unknown: outcomeUnknown };
  },
});
