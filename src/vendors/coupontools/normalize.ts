import {
  describeIssues,
  type EnvelopeMeta,
  neverThrows,
  normalizePayload,
  unrecognized,
} from "../shared/outcome";
import type { Normalized, Normalizer } from "../types";
import { coupontoolsCouponSession, coupontoolsEnvelope, coupontoolsLoyaltyStamps } from "./schemas";

type Handler = (data: unknown, meta: EnvelopeMeta) => Normalized;
const DATA = ["data"];

const coupon =
  (type: "coupon.claimed" | "coupon.validated"): Handler =>
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

const stampsAdded: Handler = (payload, meta) =>
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
const handlers = new Map<string, Handler>([
  ["coupon_claimed", coupon("coupon.claimed")],
  ["coupon_validated", coupon("coupon.validated")],
  ["loyalty_stamp_added", stampsAdded],
  ["loyalty_stamps_added", stampsAdded],
]);

export const normalizeCoupontools: Normalizer = neverThrows((body) => {
  const envelope = coupontoolsEnvelope.safeParse(body);
  if (!envelope.success) return unrecognized({}, describeIssues(envelope.error));
  const { kind, id, created, data } = envelope.data;
  const meta: EnvelopeMeta = { vendorEventType: kind, vendorEventId: id, time: created };
  const handler = handlers.get(kind);
  if (!handler) return unrecognized(meta, [`type: unknown Coupontools notification kind "${kind}"`]);
  return handler(data, meta);
});
