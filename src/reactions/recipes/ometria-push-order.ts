import { z } from "zod";
import type { CanonicalEvent } from "../../events/cloudevent";
import { toMajorUnits } from "../../events/money";
import { missingData, type ReactionResult, type Recipe } from "../types";
import {
  OMETRIA_PUSH_PACE,
  pushLimits,
  pushOptions,
  pushProbe,
  pushRecord,
  pushRecords,
  rejectedRecords,
} from "./ometria-push";

const options = z.strictObject({ ...pushOptions("ometria.push-order") });

/** order.created / order.paid / order.cancelled -> Ometria order record (merged by order id). */
export const ometriaPushOrder: Recipe<
  z.infer<typeof options>,
  "order.created" | "order.paid" | "order.cancelled"
> = {
  key: "ometria.push-order",
  description: "Pushes the order record to Ometria; later events of the same order update it.",
  accepts: ["order.created", "order.paid", "order.cancelled"],
  options,
  idempotent: true,
  maxCalls: 1,
  pace: OMETRIA_PUSH_PACE,
  entity: (event) => `order:${event.data.order_id}`,
  probe: pushProbe,
  batch: {
    limits: pushLimits,
    record: orderRecord,
    send: (records, opts, ctx) => pushRecords(ctx, opts, records),
    rejected: rejectedRecords,
  },
  run(event, opts, ctx) {
    const built = orderRecord(event);
    return "record" in built ? pushRecord(ctx, opts, built.record) : Promise.resolve(built);
  },
};

type OrderEvent = CanonicalEvent<"order.created" | "order.paid" | "order.cancelled">;

/** The Ometria order record for an order event (merged by order id). */
function orderRecord(event: OrderEvent): { record: Record<string, unknown> } | ReactionResult {
  const order = event.data;
  if (!order.customer.email && !order.customer.id) {
    return missingData("the order has neither a customer e-mail nor a customer id");
  }
  const major = (m: typeof order.total | undefined) => (m ? toMajorUnits(m) : undefined);
  const record = {
    "@type": "order",
    id: order.order_id,
    timestamp: order.placed_at ?? event.time,
    grand_total: major(order.total),
    subtotal: major(order.subtotal),
    discount: major(order.discount),
    shipping: major(order.shipping),
    tax: major(order.tax),
    currency: order.total.currency,
    status:
      event.type === "order.cancelled" ? "cancelled" : (order.status ?? event.type.slice("order.".length)),
    is_valid: event.type !== "order.cancelled",
    customer: { id: order.customer.id, email: order.customer.email },
    lineitems: order.line_items.map((item) => ({
      product_id: item.product_id ?? item.sku,
      sku: item.sku,
      quantity: item.quantity,
      unit_price: major(item.unit_price),
    })),
  };
  return { record };
}
