import type { VerifierConfig } from "../../config/verifiers";
import { coupontoolsVerifier } from "./coupontools";
import { hmacVerifier } from "./hmac";
import { standardWebhooksVerifier } from "./standard-webhooks";
import { staticSecretVerifier } from "./static-secret";
import type { Verifier } from "./types";

export * from "../../config/verifiers";
export type * from "./types";

/** The verifier a route's (already parsed) `verifier` config describes. */
export function createVerifier(config: VerifierConfig): Verifier {
  switch (config.type) {
    case "standard-webhooks":
      return standardWebhooksVerifier(config);
    case "hmac":
      return hmacVerifier(config);
    case "static-secret":
      return staticSecretVerifier(config);
    case "coupontools":
      return coupontoolsVerifier(config);
    default: {
      const unknownType: never = config;
      throw new Error(`Unhandled verifier config: ${JSON.stringify(unknownType)}`);
    }
  }
}
