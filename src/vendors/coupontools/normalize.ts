import { type EventHandler, envelopeNormalizer, normalizePayload } from "../shared/outcome";
import type { Normalizer } from "../types";
import { coupontoolsCouponSession, coupontoolsEnvelope, coupontoolsLoyaltyStamps } from "./schemas";

const DATA = ["data"];

const coupon =
  (type: "coupon.claimed" | "coupon.validated"): EventHandler =>
  (payload, meta) =>
    normalizePayload({
      type,
      schema: coupontoolsCouponSession,
      payload,
      at: DATA,
      meta,
      map: (s) => ({
        data: {
          coupon_id: s.campaign,
          session_id: s.session,
          code: s.code,
          customer: s.holder,
          occurred_at: meta.time,
        },
        subject: s.session ? `coupon-sessions/${s.session}` : s.campaign && `coupons/${s.campaign}`,
      }),
    });

const stampsAdded: EventHandler = (payload, meta) =>
  normalizePayload({
    type: "loyalty.stamps_added",
    schema: coupontoolsLoyaltyStamps,
    payload,
    at: DATA,
    meta,
    map: (l) => ({
      data: {
        loyalty_card_id: l.loyaltyCard,
        user_id: l.user,
        customer: l.holder,
        stamps: l.stamps,
        balance: l.balance,
      },
      subject: `loyalty-cards/${l.loyaltyCard}`,
    }),
  });

/** Coupontools notification kind -> handler. */
const handlers = new Map<string, EventHandler>([
  ["coupon_claimed", coupon("coupon.claimed")],
  ["coupon_validated", coupon("coupon.validated")],
  ["loyalty_stamp_added", stampsAdded],
  ["loyalty_stamps_added", stampsAdded],
]);

export const normalizeCoupontools: Normalizer = envelopeNormalizer({
  envelope: coupontoolsEnvelope,
  read: ({ kind, id, created, data }) => ({
    name: kind,
    payload: data,
    meta: { vendorEventType: kind, vendorEventId: id, time: created },
  }),
  handlers,
  unknownName: (kind) => `type: unknown Coupontools notification kind "${kind}"`,
});
