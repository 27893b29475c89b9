/** What a verifier sees of one delivery. */
export interface VerificationRequest {
  headers: Headers;
  url: URL;
  /** The body exactly as received: signatures are computed over these bytes. */
  body: Uint8Array;
  /** The route's secret values, newest first; any one may match (rotation). Never empty. */
  secrets: readonly string[];
  /** Injected clock, so tolerance checks are testable. */
  now: Date;
}

/**
 * `verified`: genuine-ness is settled at the edge.
 * `pending_confirmation`: the edge check passed but the vendor must still confirm the delivery
 * (Coupontools' verification call) before any reaction runs.
 */
export type VerificationStatus = "verified" | "pending_confirmation";

/** Resolves when the delivery is authentic; throws `VerificationError` otherwise. */
export type Verifier = (request: VerificationRequest) => Promise<VerificationStatus>;
