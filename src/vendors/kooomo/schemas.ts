import { z } from "zod";
import {
  amount,
  checkAmounts,
  count,
  currency,
  email,
  flag,
  optional,
  text,
  timestamp,
  vendorId,
} from "../shared/fields";

/**
 * ASSUMPTION: Kooomo publishes no description of its outgoing webhooks. These schemas describe the shape
 * the bridge expects (see docs/vendors.md), with field names taken from Kooomo's API where known
 * (`privacy_marketing`). They are loose: extra fields are ignored, so a richer payload still fits.
 */

/** `{"id": "evt_...", "event": "order.paid", "created_at": "...", "data": {...}}`; `type` is accepted for `event`. */
export const kooomoEnvelope = z
  .looseObject({
    id: optional(vendorId),
    event: optional(text),
    type: optional(text),
    created_at: optional(timestamp),
    data: z.unknown(),
  })
  .transform(({ event, type, ...rest }, ctx) => {
    const name = event ?? type;
    if (name === undefined) {
      ctx.addIssue({ code: "custom", path: ["event"], input: undefined, message: "required" });
      return z.NEVER;
    }
    return { ...rest, event: name };
  });

/** The buyer as embedded in an order; guests may have no id. */
export const kooomoOrderCustomer = z.looseObject({
  id: optional(vendorId),
  email: optional(email),
  first_name: optional(text),
  last_name: optional(text),
});

export const kooomoOrderItem = z.looseObject({
  sku: optional(vendorId),
  product_id: optional(vendorId),
  name: optional(text),
  quantity: count.pipe(z.number().nonnegative("must not be negative")),
  /** Unit price in the order's currency. */
  price: optional(amount),
});

export const kooomoOrder = z
  .looseObject({
    id: vendorId,
    number: optional(vendorId),
    status: optional(text),
    currency,
    grand_total: amount,
    subtotal: optional(amount),
    tax_total: optional(amount),
    shipping_total: optional(amount),
    discount_total: optional(amount),
    customer: optional(kooomoOrderCustomer),
    items: optional(z.array(kooomoOrderItem)),
    created_at: optional(timestamp),
  })
  .superRefine((order, ctx) =>
    checkAmounts(ctx, order.currency, [
      [["grand_total"], order.grand_total],
      [["subtotal"], order.subtotal],
      [["tax_total"], order.tax_total],
      [["shipping_total"], order.shipping_total],
      [["discount_total"], order.discount_total],
      ...(order.items ?? []).map((item, i) => [["items", i, "price"], item.price] as const),
    ]),
  );
export type KooomoOrder = z.output<typeof kooomoOrder>;

/**
 * A customer record. `erasure_requested` / `erasure_requested_at` are the erasure request fields: set on
 * `customer.erasure_requested`, and required on `customer.deleted` for that event to count as one.
 */
export const kooomoCustomer = z.looseObject({
  id: vendorId,
  email: optional(email),
  first_name: optional(text),
  last_name: optional(text),
  /** Kooomo's marketing consent flag. */
  privacy_marketing: optional(flag),
  erasure_requested: optional(flag),
  erasure_requested_at: optional(timestamp),
});
export type KooomoCustomer = z.output<typeof kooomoCustomer>;

/** An erasure request must name the person by e-mail (that is what the downstream deletion APIs take). */
export const kooomoErasure = kooomoCustomer.extend({ id: optional(vendorId), email });
export type KooomoErasure = z.output<typeof kooomoErasure>;
