import type { CanonicalEvent } from "./cloudevent";
import { type EventData, type EventType, eventDataSchemas } from "./types";

/**
 * One made-up event of each type, for `npm run preflight`: a recipe or a mapping builds its action input from
 * it, and the input is held to the workspace's schema before any real event comes. Every optional field a
 * recipe may read is filled, so a mapping that needs it is checked too. Nobody real: Ada's address is at
 * example.com (RFC 2606).
 */
const customer = {
  id: "preflight-customer",
  email: "ada@example.com",
  first_name: "Ada",
  last_name: "Lovelace",
};
const order = {
  order_id: "preflight-order",
  order_number: "PF-1",
  status: "paid",
  customer,
  total: { amount_minor: 25_000, currency: "EUR" },
  subtotal: { amount_minor: 21_000, currency: "EUR" },
  tax: { amount_minor: 4_000, currency: "EUR" },
  line_items: [
    {
      sku: "PF-SKU",
      product_id: "preflight-product",
      name: "Sample",
      quantity: 1,
      unit_price: { amount_minor: 21_000, currency: "EUR" },
    },
  ],
  placed_at: "2026-01-01T12:00:00Z",
};
const customerData = {
  customer_id: customer.id,
  email: customer.email,
  first_name: customer.first_name,
  last_name: customer.last_name,
  marketing_consent: true,
};
const ids = {
  delivery_id: "preflight-delivery",
  event_id: "preflight-event",
  reaction: "preflight",
  connection: "preflight-connection",
};

const DATA: { [T in EventType]: EventData<T> } = {
  "order.created": { ...order, status: "created" },
  "order.paid": order,
  "order.cancelled": { ...order, status: "cancelled" },
  "customer.created": customerData,
  "customer.updated": customerData,
  "customer.erasure_requested": {
    customer_id: customer.id,
    email: customer.email,
    requested_at: "2026-01-01T12:00:00Z",
  },
  "contact.unsubscribed": { email: customer.email, customer_id: customer.id, channel: "email" },
  "coupon.claimed": {
    coupon_id: "preflight-coupon",
    session_id: "preflight-session",
    code: "PF-CODE",
    customer,
    occurred_at: "2026-01-01T12:00:00Z",
  },
  "coupon.validated": {
    coupon_id: "preflight-coupon",
    session_id: "preflight-session",
    code: "PF-CODE",
    customer,
    occurred_at: "2026-01-01T12:00:00Z",
  },
  "loyalty.stamps_added": {
    loyalty_card_id: "preflight-card",
    user_id: "preflight-user",
    customer,
    stamps: 1,
    balance: 3,
  },
  "hookbridge.delivery_dead": { ...ids, code: "outcome_unknown", attempts: 3 },
  "hookbridge.breaker_opened": {
    connection: ids.connection,
    failures: 14,
    calls: 20,
    code: "timeout",
    probe_in_seconds: 30,
  },
  "hookbridge.breaker_closed": {
    connection: ids.connection,
    failures: 31,
    openings: 2,
    deliveries_held: 40,
    duration_seconds: 420,
  },
  "hookbridge.erasure_completed": { erasure_event_id: "preflight-erasure", events_redacted: 3 },
  "hookbridge.erasure_stuck": {
    erasure_event_id: "preflight-erasure",
    events_redacted: 0,
    code: "erasure_unreadable",
  },
  "hookbridge.duplicate_loyalty_user": {
    ...ids,
    loyalty_card_id: "preflight-card",
    chosen_user_id: "1",
    user_ids: ["1", "2"],
  },
  "hookbridge.loyalty_search_missed": { ...ids, loyalty_card_id: "preflight-card", user_id: "1" },
};

/** The sample event of `type`, checked against its schema (a test holds every one to it). */
export function sampleEvent<T extends EventType>(type: T): CanonicalEvent<T> {
  const data = eventDataSchemas[type].parse(DATA[type]) as EventData<T>;
  return {
    specversion: "1.0",
    id: `preflight-${type}`,
    source: "hookbridge/preflight",
    time: "2026-01-01T12:00:00Z",
    datacontenttype: "application/json",
    vendor: "preflight",
    type,
    data,
  } as CanonicalEvent<T>;
}
