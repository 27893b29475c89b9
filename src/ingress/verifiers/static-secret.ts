import type { StaticSecretConfig } from "../../config/verifiers";
import { VerificationError } from "../../errors";
import { secretEquals } from "../../lib/timing-safe";
import type { Verifier } from "./types";

/**
 * A shared secret sent as is, in a header or a query parameter (for senders that cannot sign, such as
 * Ometria's "Call webhook" action).
 */
export function staticSecretVerifier(config: StaticSecretConfig): Verifier {
  return async ({ headers, url, secrets }) => {
    if (config.in === "header") {
      await checkToken(headers.get(config.name), secrets, `${config.name} header`);
    } else {
      await checkToken(url.searchParams.get(config.name), secrets, `${config.name} query parameter`);
    }
    return "verified";
  };
}

/**
 * Throws unless `presented` equals one of `secrets`. Every secret is compared (no early exit), so timing
 * does not reveal which one matched either.
 */
export async function checkToken(
  presented: string | null,
  secrets: readonly string[],
  where: string,
): Promise<void> {
  if (!presented) throw new VerificationError("token_missing", `Missing ${where}.`);
  const matches = await Promise.all(secrets.map((secret) => secretEquals(presented, secret)));
  if (!matches.includes(true)) throw new VerificationError("token_invalid", `The ${where} is not valid.`);
}
