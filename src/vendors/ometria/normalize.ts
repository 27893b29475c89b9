import { type EventHandler, envelopeNormalizer, normalizePayload } from "../shared/outcome";
import type { Normalizer } from "../types";
import { ometriaCustomerUpdate, ometriaEnvelope, ometriaErasure, ometriaUnsubscribe } from "./schemas";

const CONTACT = ["contact"];

const customerSubject = (customerId: string | undefined) => customerId && `customers/${customerId}`;

const unsubscribed: EventHandler = (payload, meta) =>
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

const customerUpdated: EventHandler = (payload, meta) =>
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

const erasureRequested: EventHandler = (payload, meta) =>
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
const handlers = new Map<string, EventHandler>([
  ["contact.unsubscribed", unsubscribed],
  ["customer.updated", customerUpdated],
  ["customer.erasure_requested", erasureRequested],
]);

export const normalizeOmetria: Normalizer = envelopeNormalizer({
  envelope: ometriaEnvelope,
  read: ({ event, id, sent_at, contact }) => ({
    name: event,
    payload: contact,
    meta: { vendorEventType: event, vendorEventId: id, time: sent_at },
  }),
  handlers,
  unknownName: (event) => `event: unknown Ometria event "${event}"`,
});
