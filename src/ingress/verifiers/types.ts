import type { VerificationStatus } from "../../events/verification";

export type { VerificationStatus };

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

/** Resolves when the delivery is authentic; throws `VerificationError` otherwise. */
export type Verifier = (request: VerificationRequest) => Promise<VerificationStatus>;
