/**
 * `verified`: genuine-ness is settled at the edge.
 * `pending_confirmation`: the edge check passed but the vendor must still confirm the delivery
 * (Coupontools' verification call) before any reaction runs.
 */
export type VerificationStatus = "verified" | "pending_confirmation";
