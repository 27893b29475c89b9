import {
  describeIssues,
  type EnvelopeMeta,
  neverThrows,
  normalizePayload,
  unrecognized,
} from "../shared/outcome";
import type { Normalized, Normalizer } from "../types";
import { ometriaCustomerUpdate, ometriaEnvelope, ometriaErasure, ometriaUnsubscribe } from "./schemas";

type Handler = (contact: unknown, meta: EnvelopeMeta) => Normalized;
const CONTACT = ["contact"];

const customerSubject = (customerId: string | undefined) => customerId && `customers/${customerId}`;

const unsubscribed: Handler = (payload, meta) =>
  normalizePayload({
    type: "contact.unsubscribed",
    schema: ometriaUnsubscribe,
    payload,
    at: CONTACT,
    meta,
    map: (c) => ({
      data: { email: c.email, customer_id: c.customer_id, channel: c.channel },
      subject: customerSubject(c.customer_id),
    }),
  });

const customerUpdated: Handler = (payload, meta) =>
  normalizePayload({
    type: "customer.updated",
    schema: ometriaCustomerUpdate,
    payload,
    at: CONTACT,
    meta,
    map: (c) => ({
      data: {
        customer_id: c.customer_id,
        email: c.email,
        first_name: c.firstname,
        last_name: c.lastname,
        marketing_consent: c.marketing_optin,
      },
      subject: customerSubject(c.customer_id),
    }),
  });

const erasureRequested: Handler = (payload, meta) =>
  normalizePayload({
    type: "customer.erasure_requested",
    schema: ometriaErasure,
    payload,
    at: CONTACT,
    meta,
    map: (c) => ({
      data: { customer_id: c.customer_id, email: c.email, requested_at: meta.time },
      subject: customerSubject(c.customer_id),
    }),
  });

/**
 * The events an Ometria automation can sensibly report. The operator types the name into the template,
 * so the canonical names are used as they are, without aliases. Orders and new customers come from the
 * shop, not from Ometria.
 */
const handlers = new Map<string, Handler>([
  ["contact.unsubscribed", unsubscribed],
  ["customer.updated", customerUpdated],
  ["customer.erasure_requested", erasureRequested],
]);

export const normalizeOmetria: Normalizer = neverThrows((body) => {
  const envelope = ometriaEnvelope.safeParse(body);
  if (!envelope.success) return unrecognized({}, describeIssues(envelope.error));
  const { event, id, sent_at, contact } = envelope.data;
  const meta: EnvelopeMeta = { vendorEventType: event, vendorEventId: id, time: sent_at };
  const handler = handlers.get(event);
  if (!handler) return unrecognized(meta, [`event: unknown Ometria event "${event}"`]);
  return handler(contact, meta);
});
