import { z } from "zod";
import { money } from "./money";

/**
 * Canonical, vendor-neutral event data. One schema per event type; types are derived with `z.infer`.
 * Normalizers produce these, reactions consume them.
 */
const email = z.email();
const isoTime = z.iso.datetime({ offset: true });

export const person = z.strictObject({
  id: z.string().min(1).optional(),
  email: email.optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
});

export const lineItem = z.strictObject({
  sku: z.string().optional(),
  product_id: z.string().optional(),
  name: z.string().optional(),
  quantity: z.number().int().nonnegative(),
  unit_price: money.optional(),
});

export const orderData = z.strictObject({
  order_id: z.string().min(1),
  order_number: z.string().optional(),
  status: z.string().optional(),
  customer: person,
  total: money,
  subtotal: money.optional(),
  tax: money.optional(),
  shipping: money.optional(),
  discount: money.optional(),
  line_items: z.array(lineItem),
  placed_at: isoTime.optional(),
});

export const customerData = z.strictObject({
  customer_id: z.string().min(1),
  email: email.optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  /** undefined when the vendor did not say. */
  marketing_consent: z.boolean().optional(),
});

export const erasureData = z.strictObject({
  customer_id: z.string().min(1).optional(),
  email,
  requested_at: isoTime.optional(),
});

export const contactUnsubscribedData = z.strictObject({
  email: email.optional(),
  customer_id: z.string().optional(),
  channel: z.string().optional(),
});

export const couponData = z.strictObject({
  coupon_id: z.string().optional(),
  session_id: z.string().optional(),
  code: z.string().optional(),
  customer: person,
  occurred_at: isoTime.optional(),
});

export const loyaltyStampsData = z.strictObject({
  loyalty_card_id: z.string().min(1),
  user_id: z.string().optional(),
  customer: person,
  stamps: z.number().int(),
  balance: z.number().int().optional(),
});

/**
 * The bridge's own operational events (route and vendor `hookbridge`), planned like any event so an
 * operator routes alerts through reactions. They carry ids, codes, names and counts, never a vendor's
 * answer or the event's personal data.
 */
const id = z.string().min(1);
export const deliveryDeadData = z.strictObject({
  delivery_id: id,
  event_id: id,
  reaction: id,
  connection: id,
  code: z.string(),
  attempts: z.number().int().nonnegative(),
});
/** An incident on a connection: `breaker_opened` when it starts, `breaker_closed` when it ends. */
export const breakerData = z.strictObject({
  connection: id,
  /** Opened: the failed calls in the breaker's window. Closed: the calls that failed during the incident. */
  failures: z.number().int().nonnegative(),
  /** The calls in the breaker's window (when opened). */
  calls: z.number().int().nonnegative().optional(),
  /** Error code of the last failure, e.g. `timeout`, `rate_limited` (when opened). */
  code: z.string().optional(),
  /** Seconds until the first probe (when opened). */
  probe_in_seconds: z.number().int().nonnegative().optional(),
  /** Times the breaker opened during the incident, the first included (when closed). */
  openings: z.number().int().positive().optional(),
  /** The most deliveries the breaker held waiting at once (when closed). */
  deliveries_held: z.number().int().nonnegative().optional(),
  /** From the first opening to the end of the quiet time after the last closing (when closed). */
  duration_seconds: z.number().int().nonnegative().optional(),
});
export const erasureAlertData = z.strictObject({
  /** The erasure request's event id. */
  erasure_event_id: id,
  /** Events redacted in the run that completed it (or 0 when stuck). */
  events_redacted: z.number().int().nonnegative(),
  /** Why it is stuck (a fixed phrase, never the person's data). */
  code: z.string().optional(),
});

export const duplicateUserData = z.strictObject({
  connection: id,
  reaction: id,
  delivery_id: id,
  event_id: id,
  loyalty_card_id: id,
  /** The user the delivery went on with (the lowest id: a fixed rule, so every delivery picks the same). */
  chosen_user_id: id,
  /** Every user on the card with the customer's e-mail (the address itself is never carried). */
  user_ids: z.array(id).min(2),
});

export const searchMissedData = z.strictObject({
  connection: id,
  reaction: id,
  delivery_id: id,
  event_id: id,
  loyalty_card_id: id,
  /** A user the delivery had just made or remembered, whom the search by their e-mail did not show. */
  user_id: id,
});

export const operationalEventSchemas = {
  "hookbridge.delivery_dead": deliveryDeadData,
  "hookbridge.breaker_opened": breakerData,
  "hookbridge.breaker_closed": breakerData,
  "hookbridge.erasure_completed": erasureAlertData,
  "hookbridge.erasure_stuck": erasureAlertData,
  "hookbridge.duplicate_loyalty_user": duplicateUserData,
  "hookbridge.loyalty_search_missed": searchMissedData,
} as const;
export type OperationalEventType = keyof typeof operationalEventSchemas;
export const isOperational = (type: string): type is OperationalEventType =>
  Object.hasOwn(operationalEventSchemas, type);

export const eventDataSchemas = {
  "order.created": orderData,
  "order.paid": orderData,
  "order.cancelled": orderData,
  "customer.created": customerData,
  "customer.updated": customerData,
  "customer.erasure_requested": erasureData,
  "contact.unsubscribed": contactUnsubscribedData,
  "coupon.claimed": couponData,
  "coupon.validated": couponData,
  "loyalty.stamps_added": loyaltyStampsData,
  ...operationalEventSchemas,
} as const;

export type EventType = keyof typeof eventDataSchemas;
export type EventData<T extends EventType = EventType> = z.infer<(typeof eventDataSchemas)[T]>;
export const eventTypes = Object.keys(eventDataSchemas) as EventType[];
export const eventType = z.enum(eventTypes as [EventType, ...EventType[]]);

export type OrderData = z.infer<typeof orderData>;
export type CustomerData = z.infer<typeof customerData>;
export type ErasureData = z.infer<typeof erasureData>;
export type CouponData = z.infer<typeof couponData>;

/** Type given to a verified delivery whose event the bridge does not know: stored, never reacted to. */
export const UNRECOGNIZED = "hookbridge.unrecognized" as const;
