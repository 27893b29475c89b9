/**
 * The one accepted shape of a Coupontools webhook event id: `evt_` and ASCII letters and digits, nothing
 * around it. Source: Coupontools' "Webhook verification" API page (mirrored at
 * imazecoupon.com/nl/api-en-webhooks/webhook_verification.html) shows ids like `evt_JsOKTu2rlzjZsxPaleUx`.
 * The charset is strict (no whitespace, control or look-alike characters, so the id the bridge de-duplicates
 * on is byte for byte the id it asks Coupontools about); the length is tolerant (1 to 64 after `evt_`,
 * the documented example has 20) because the docs do not fix it.
 */
export const COUPONTOOLS_EVENT_ID = /^evt_[A-Za-z0-9]{1,64}$/;

export function isCoupontoolsEventId(value: unknown): value is string {
  return typeof value === "string" && COUPONTOOLS_EVENT_ID.test(value);
}
