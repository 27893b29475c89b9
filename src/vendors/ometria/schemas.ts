import { z } from "zod";
import { email, flag, optional, text, timestamp, vendorId } from "../shared/fields";

/**
 * Ometria has no webhook event catalogue: the operator writes the JSON body of the "Call webhook"
 * automation action as a Jinja template. These schemas describe the body that the template in
 * docs/vendors.md renders. Jinja renders every merge tag as text and a missing value as "", so fields
 * accept strings for ids and yes/no values and treat blanks as absent.
 */

/** `{"id": "...", "event": "contact.unsubscribed", "sent_at": "...", "contact": {...}}` */
export const ometriaEnvelope = z.looseObject({
  /** The route de-duplicates on it; the template builds it so that a repeat of the same call repeats it. */
  id: optional(vendorId),
  event: text.min(1, "required"),
  sent_at: optional(timestamp),
  contact: z.unknown(),
});

/** The contact as the template renders it, with Ometria's own field names (`firstname`, `marketing_optin`). */
export const ometriaContact = z.looseObject({
  email: optional(email),
  customer_id: optional(vendorId),
  firstname: optional(text),
  lastname: optional(text),
  /** Which channel the contact left: "email", "sms", ... */
  channel: optional(text.toLowerCase()),
  marketing_optin: optional(flag),
});

/** An unsubscribe must say who; either identifier will do. */
export const ometriaUnsubscribe = ometriaContact.refine(
  (contact) => contact.email !== undefined || contact.customer_id !== undefined,
  { message: "needs email or customer_id", path: ["email"] },
);

/** A customer update is about a shop customer: without the shop's customer id there is nothing to update. */
export const ometriaCustomerUpdate = ometriaContact.extend({ customer_id: vendorId });

/** Erasure runs against e-mail addresses downstream, so one is required. */
export const ometriaErasure = ometriaContact.extend({ email });
