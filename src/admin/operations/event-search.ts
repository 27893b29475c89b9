import { z } from "zod";
import { redactionSalt } from "../../config/redaction-salt";
import type { Env } from "../../env";
import { emailKeyedHash } from "../../lib/crypto";
import type { EventFilters } from "../../store/event-list";

/** What an operator may search events by, beside route, type, status and time. */
export const eventSearchQuery = {
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe("An e-mail address (matched by its keyed hash), or an id: event, vendor event, order, subject"),
  vendor_event_id: z.string().min(1).max(200).optional(),
  order_id: z.string().min(1).max(200).optional(),
  subject: z.string().min(1).max(200).optional(),
  email: z.email().max(320).optional().describe("Matched through HMAC(REDACTION_SALT, lower-case e-mail)"),
};
export type EventSearch = { [K in keyof typeof eventSearchQuery]?: string };

const looksLikeEmail = (text: string) => z.email().safeParse(text).success;

/**
 * The list filters for a search. An e-mail is turned into its keyed hash here and goes no further: events
 * store only that hash in a searchable column, and nothing logs the address.
 */
export async function searchFilters(env: Env, search: EventSearch): Promise<EventFilters> {
  const filters: EventFilters = {};
  const salt = () => redactionSalt(env);
  if (search.vendor_event_id) filters.vendorEventId = search.vendor_event_id;
  if (search.order_id) filters.orderId = search.order_id;
  if (search.subject) filters.subject = search.subject;
  if (search.email) filters.emailHash = await emailKeyedHash(salt(), search.email);
  if (search.q) {
    if (looksLikeEmail(search.q)) filters.emailHash = await emailKeyedHash(salt(), search.q);
    else filters.anyId = search.q;
  }
  return filters;
}
