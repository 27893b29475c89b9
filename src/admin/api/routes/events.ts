import { z } from "zod";
import { InvalidRequestError, NotFoundError } from "../../../errors";
import { storedEvent } from "../../../events/cloudevent";
import { listEventAttempts } from "../../../store/attempts";
import { listDeliveries } from "../../../store/deliveries";
import { decodeCursor, encodeCursor, listEvents } from "../../../store/event-list";
import { getEvent } from "../../../store/events";
import { readStoredEvent } from "../../../store/stored-event";
import { eventSearchQuery, searchFilters } from "../../operations/event-search";
import { replayEvent } from "../../operations/replay-event";
import { defineRoute } from "../define-route";
import { presentAttempt, presentDelivery, presentEventSummary } from "../present";
import {
  attempt,
  counts,
  delivery,
  deliveryStatus,
  eventStatus,
  eventSummary,
  force,
  orderedWindow,
  skippedOutcomeUnknown,
  timeFilter,
  windowMessage,
} from "../schemas";

const eventId = z.strictObject({ id: z.string().min(1) });

export const listEventsRoute = defineRoute({
  id: "listEvents",
  method: "get",
  path: "/events",
  summary: "List events, newest first",
  description:
    "Filters combine with AND. Pages are keyset-paginated: pass `next_cursor` back as `cursor` until it is null. " +
    "`q` finds an event by what it carries: an e-mail address (compared by its keyed hash; the address is " +
    "never stored in a searchable form) or an id (event id, dedupe key, vendor event id, order id, subject).",
  errors: [400],
  query: z
    .strictObject({
      route: z.string().min(1).optional(),
      type: z
        .string()
        .min(1)
        .optional()
        .describe("Canonical type, e.g. order.paid or hookbridge.unrecognized"),
      status: eventStatus.optional(),
      from: timeFilter.optional().describe("Received at or after (ISO 8601)"),
      to: timeFilter.optional().describe("Received before (ISO 8601)"),
      ...eventSearchQuery,
      cursor: z.string().min(1).optional().describe("`next_cursor` of the previous page"),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    })
    .refine(orderedWindow, windowMessage),
  response: z.object({
    events: z.array(eventSummary.extend({ deliveries: counts(deliveryStatus) })),
    next_cursor: z.string().nullable(),
  }),
  handle: async ({ query }, c) => {
    const { cursor, limit, q, vendor_event_id, order_id, subject, email, ...filters } = query;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (after === null)
      throw new InvalidRequestError("Invalid query string.", ["cursor: not a cursor from this API"]);
    const search = await searchFilters(c.env, { q, vendor_event_id, order_id, subject, email });
    const page = await listEvents(c.env.DB, { ...filters, ...search }, { limit, ...(after && { after }) });
    return {
      events: page.events.map((e) => ({ ...presentEventSummary(e), deliveries: e.deliveries })),
      next_cursor: page.next && encodeCursor(page.next),
    };
  },
});

export const getEventRoute = defineRoute({
  id: "getEvent",
  method: "get",
  path: "/events/{id}",
  summary: "One event with its deliveries and every attempt",
  errors: [404],
  params: eventId,
  response: eventSummary.extend({
    event: storedEvent.describe("The canonical CloudEvent"),
    raw_headers: z.record(z.string(), z.string()).describe("Audit headers kept at ingress (never secrets)"),
    raw_body: z.string().nullable().describe("The body as received; null once retention removed it"),
    deliveries: z.array(delivery.extend({ attempt_log: z.array(attempt) })),
  }),
  handle: async ({ params }, c) => {
    const row = await getEvent(c.env.DB, params.id);
    if (!row) throw new NotFoundError("event_not_found", `No event with id "${params.id}".`);
    const [deliveries, attempts] = await Promise.all([
      listDeliveries(c.env.DB, row.id),
      listEventAttempts(c.env.DB, row.id),
    ]);
    return {
      ...presentEventSummary(row),
      // Written by the bridge itself from these same shapes (src/ingress), so read back as such.
      event: readStoredEvent(row.event_json),
      raw_headers: JSON.parse(row.raw_headers) as Record<string, string>,
      raw_body: row.raw_body,
      deliveries: deliveries.map((d) => ({
        ...presentDelivery(d),
        attempt_log: attempts.filter((a) => a.delivery_id === d.id).map(presentAttempt),
      })),
    };
  },
});

export const replayEventRoute = defineRoute({
  id: "replayEvent",
  method: "post",
  path: "/events/{id}/replay",
  summary: "Replay an event: plan its reactions again and restart its dead deliveries",
  description:
    "Planning is idempotent: only reactions configured since produce new deliveries. Dead deliveries go back " +
    "to pending with a fresh retry schedule; succeeded ones, and dead ones whose outcome is unknown (their last " +
    "call may have been applied), are skipped unless `force`. An unrecognized event is first normalized again " +
    "from its raw body with the current normalizer.",
  errors: [400, 404, 409, 503],
  params: eventId,
  body: z.strictObject({ force }),
  response: z.discriminatedUnion("outcome", [
    z.object({
      outcome: z.literal("replanned"),
      renormalized: z.boolean().describe("The event was unrecognized and is recognized now"),
      deliveries: z.object({
        reset: z.int().nonnegative().describe("Put back to pending and queued"),
        skipped: z.int().nonnegative().describe("Succeeded and left alone (no force)"),
        in_progress: z.int().nonnegative().describe("Already waiting or running"),
        skipped_outcome_unknown: skippedOutcomeUnknown,
      }),
    }),
    z.object({
      outcome: z.literal("still_unrecognized"),
      problems: z.array(z.string()).describe("Why the current normalizer still cannot map it"),
    }),
  ]),
  handle: async ({ params, body }, c) => {
    const result = await replayEvent(c.env, params.id, { force: body.force, now: Date.now() });
    if (result.outcome === "still_unrecognized") return result;
    const { reset, skipped, inProgress, outcomeUnknown, ...rest } = result;
    return {
      ...rest,
      deliveries: { reset, skipped, in_progress: inProgress, skipped_outcome_unknown: outcomeUnknown },
    };
  },
});
