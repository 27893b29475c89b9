import type { CoupontoolsConfig } from "../../config/verifiers";
import { checkToken } from "./static-secret";
import type { Verifier } from "./types";

/**
 * Coupontools does not sign its webhooks. A secret token in the webhook URL is the cheap gate at the edge;
 * genuineness is settled later, before any reaction, by asking Coupontools (`/v3/webhook/verification`)
 * in the delivery engine, hence `pending_confirmation`.
 */
export function coupontoolsVerifier(config: CoupontoolsConfig): Verifier {
  return async ({ url, secrets }) => {
    await checkToken(url.searchParams.get(config.param), secrets, `${config.param} query parameter`);
    return "pending_confirmation";
  };
}
