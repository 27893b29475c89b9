import { type Money, toMinorUnits } from "../../events/money";
import type { CustomerData, ErasureData, OrderData } from "../../events/types";
import type { Amount } from "../shared/fields";
import {
  describeIssues,
  type EnvelopeMeta,
  type EventHandler,
  envelopeNormalizer,
  normalizePayload,
  unrecognized,
} from "../shared/outcome";
import type { Normalizer } from "../types";
import {
  type KooomoCustomer,
  type KooomoErasure,
  type KooomoOrder,
  kooomoCustomer,
  kooomoEnvelope,
  kooomoErasure,
  kooomoOrder,
} from "./schemas";

const DATA = ["data"];

function money(value: Amount, currency: string): Money {
  return { amount_minor: toMinorUnits(value, currency), currency };
}

function optionalMoney(value: Amount | undefined, currency: string): Money | undefined {
  return value === undefined ? undefined : money(value, currency);
}

function toOrderData(order: KooomoOrder): OrderData {
  const { currency } = order;
  const discount = optionalMoney(order.discount_total, currency);
  return {
    order_id: order.id,
    order_number: order.number,
    status: order.status,
    customer: {
      id: order.customer?.id,
      email: order.customer?.email,
      first_name: order.customer?.first_name,
      last_name: order.customer?.last_name,
    },
    total: money(order.grand_total, currency),
    subtotal: optionalMoney(order.subtotal, currency),
    tax: optionalMoney(order.tax_total, currency),
    shipping: optionalMoney(order.shipping_total, currency),
    // Shops write discounts as "5.00" or "-5.00"; the canonical discount is the positive amount taken off.
    discount: discount && { ...discount, amount_minor: Math.abs(discount.amount_minor) },
    line_items: (order.items ?? []).map((item) => ({
      sku: item.sku,
      product_id: item.product_id,
      name: item.name,
      quantity: item.quantity,
      unit_price: optionalMoney(item.price, currency),
    })),
    placed_at: order.created_at,
  };
}

function toCustomerData(customer: KooomoCustomer): CustomerData {
  return {
    customer_id: customer.id,
    email: customer.email,
    first_name: customer.first_name,
    last_name: customer.last_name,
    marketing_consent: customer.privacy_marketing,
  };
}

function toErasureData(customer: KooomoErasure, meta: EnvelopeMeta): ErasureData {
  return {
    customer_id: customer.id,
    email: customer.email,
    requested_at: customer.erasure_requested_at ?? meta.time,
  };
}

const order =
  (type: "order.created" | "order.paid" | "order.cancelled"): EventHandler =>
  (payload, meta) =>
    normalizePayload({
      type,
      schema: kooomoOrder,
      payload,
      at: DATA,
      meta,
      map: (o) => ({ data: toOrderData(o), subject: `orders/${o.id}` }),
    });

const customer =
  (type: "customer.created" | "customer.updated"): EventHandler =>
  (payload, meta) =>
    normalizePayload({
      type,
      schema: kooomoCustomer,
      payload,
      at: DATA,
      meta,
      map: (c) => ({ data: toCustomerData(c), subject: `customers/${c.id}` }),
    });

const erasure: EventHandler = (payload, meta) =>
  normalizePayload({
    type: "customer.erasure_requested",
    schema: kooomoErasure,
    payload,
    at: DATA,
    meta,
    map: (c) => ({ data: toErasureData(c, meta), subject: c.id && `customers/${c.id}` }),
  });

/**
 * A deleted shop account is not necessarily a GDPR erasure request, and erasure starts irreversible
 * deletions downstream: `customer.deleted` counts only when it says so with `erasure_requested`.
 */
const deletion: EventHandler = (payload, meta) => {
  const flagged = kooomoErasure.pick({ erasure_requested: true }).safeParse(payload);
  if (!flagged.success) return unrecognized(meta, describeIssues(flagged.error, DATA));
  if (flagged.data.erasure_requested !== true) {
    return unrecognized(meta, [
      "data.erasure_requested: customer.deleted is treated as an erasure request only when this is true",
    ]);
  }
  return erasure(payload, meta);
};

/** Kooomo event name -> handler. Aliases: US spelling of cancelled; flagged deletions as erasure requests. */
const handlers = new Map<string, EventHandler>([
  ["order.created", order("order.created")],
  ["order.paid", order("order.paid")],
  ["order.cancelled", order("order.cancelled")],
  ["order.canceled", order("order.cancelled")],
  ["customer.created", customer("customer.created")],
  ["customer.updated", customer("customer.updated")],
  ["customer.erasure_requested", erasure],
  ["customer.deleted", deletion],
]);

export const normalizeKooomo: Normalizer = envelopeNormalizer({
  envelope: kooomoEnvelope,
  read: ({ event, id, created_at, data }) => ({
    name: event,
    payload: data,
    meta: { vendorEventType: event, vendorEventId: id, time: created_at },
  }),
  handlers,
  unknownName: (event) => `event: unknown Kooomo event "${event}"`,
});
