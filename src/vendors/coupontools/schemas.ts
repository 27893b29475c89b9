import { z } from "zod";
import { count, email, optional, text, timestamp, vendorId } from "../shared/fields";

/**
 * ASSUMPTION: Coupontools documents only that a webhook carries "a notification kind and the full object",
 * that event ids look like `evt_...` and that `coupon_validated` is a kind; its verification answer names
 * the kind `type` and carries `campaign`, `session` and a zoneless `date`. Everything else here is the
 * bridge's documented expectation (docs/vendors.md), kept tolerant: the kind under `type` or `event`,
 * snake_case or Coupontools' run-together names, ids as numbers or strings, extra fields ignored.
 * The schemas resolve those aliases, so their output has one name per value.
 */

const addRequired = (ctx: z.RefinementCtx, path: string, message: string) =>
  ctx.addIssue({ code: "custom", path: [path], input: undefined, message });

/** `{"id": "evt_...", "type": "coupon_validated", "created": 1714557600, "data": {...}}` */
export const coupontoolsEnvelope = z
  .looseObject({
    /** `evt_...`: the route de-duplicates on it and the verification call sends it back to Coupontools. */
    id: optional(vendorId),
    type: optional(text),
    event: optional(text),
    /** Unix seconds, ISO 8601, or "2024-05-01 10:15:00" (taken as UTC); `date` as in the verification answer. */
    created: optional(timestamp),
    date: optional(timestamp),
    data: z.unknown(),
  })
  .transform(({ type, event, created, date, ...rest }, ctx) => {
    const kind = type ?? event;
    if (kind === undefined) {
      addRequired(ctx, "type", "required (or event)");
      return z.NEVER;
    }
    return { ...rest, kind, created: created ?? date };
  });

/**
 * The person on a coupon session or loyalty card, under either naming style. `customer_id` is the shop's
 * customer id when the coupon or card captured one (e.g. as a custom field); Coupontools' own user ids
 * are kept apart so the two are never confused.
 */
const holderFields = {
  customer_id: optional(vendorId),
  email: optional(email),
  firstname: optional(text),
  first_name: optional(text),
  lastname: optional(text),
  last_name: optional(text),
};

type HolderFields = { [K in keyof typeof holderFields]?: string };

/** The canonical person from either naming style. */
function holder(h: HolderFields) {
  return {
    id: h.customer_id,
    email: h.email,
    first_name: h.firstname ?? h.first_name,
    last_name: h.lastname ?? h.last_name,
  };
}

/** A coupon session: one person's copy of a coupon (a "campaign", `cam_...`), claimed or validated. */
export const coupontoolsCouponSession = z
  .looseObject({
    session: optional(vendorId),
    session_id: optional(vendorId),
    campaign: optional(vendorId),
    coupon_id: optional(vendorId),
    code: optional(vendorId),
    ...holderFields,
  })
  .transform((s, ctx) => {
    const session = s.session ?? s.session_id;
    const campaign = s.campaign ?? s.coupon_id;
    if (session === undefined && campaign === undefined) {
      addRequired(ctx, "session", "needs session (or session_id) or campaign (or coupon_id)");
      return z.NEVER;
    }
    return { session, campaign, code: s.code, holder: holder(s) };
  });

/** A loyalty card user after stamps were added. */
export const coupontoolsLoyaltyStamps = z
  .looseObject({
    loyaltycard: optional(vendorId),
    loyalty_card_id: optional(vendorId),
    user: optional(vendorId),
    user_id: optional(vendorId),
    /** Stamps added by this event. */
    stamps: optional(count),
    stamps_added: optional(count),
    /** Stamps on the card afterwards. */
    total_stamps: optional(count),
    balance: optional(count),
    ...holderFields,
  })
  .transform((l, ctx) => {
    const loyaltyCard = l.loyaltycard ?? l.loyalty_card_id;
    const stamps = l.stamps ?? l.stamps_added;
    if (loyaltyCard === undefined) addRequired(ctx, "loyaltycard", "required (or loyalty_card_id)");
    if (stamps === undefined) addRequired(ctx, "stamps", "required (or stamps_added)");
    if (loyaltyCard === undefined || stamps === undefined) return z.NEVER;
    return {
      loyaltyCard,
      user: l.user ?? l.user_id,
      stamps,
      balance: l.total_stamps ?? l.balance,
      holder: holder(l),
    };
  });
