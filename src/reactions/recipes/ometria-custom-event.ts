import { z } from "zod";
import { missingData, type Recipe } from "../types";
import { OMETRIA_PUSH_PACE, pushOptions, pushProbe, pushRecord } from "./ometria-push";

// Ometria custom event types must be created in Ometria first and are shorter than 32 characters.
const ometriaEventType = z.string().regex(/^[a-z0-9_]{1,31}$/);

const options = z.strictObject({
  ...pushOptions("ometria.custom-event"),
  event_types: z
    .strictObject({ "coupon.validated": ometriaEventType, "coupon.claimed": ometriaEventType })
    .default({ "coupon.validated": "coupon_validated", "coupon.claimed": "coupon_claimed" }),
});

/**
 * coupon.validated / coupon.claimed -> Ometria custom_event. The record id is the canonical event id, so a
 * repeated push is merged by Ometria, not duplicated.
 */
export const ometriaCustomEvent: Recipe<z.infer<typeof options>, "coupon.validated" | "coupon.claimed"> = {
  key: "ometria.custom-event",
  description: "Pushes a coupon event to Ometria as a custom_event keyed by the canonical event id.",
  accepts: ["coupon.validated", "coupon.claimed"],
  options,
  idempotent: true,
  maxCalls: 1,
  pace: OMETRIA_PUSH_PACE,
  probe: pushProbe,
  run(event, opts, ctx) {
    const { customer, coupon_id, code, session_id, occurred_at } = event.data;
    if (!customer.email && !customer.id) {
      return Promise.resolve(missingData("the coupon event names no customer e-mail or id to attach it to"));
    }
    return pushRecord(ctx, opts, {
      "@type": "custom_event",
      id: event.id,
      timestamp: occurred_at ?? event.time,
      event_type: opts.event_types[event.type],
      ...(customer.email ? { identity_email: customer.email } : { identity_account_id: customer.id }),
      properties: { coupon_id, code, session_id, source: event.source },
    });
  },
};
