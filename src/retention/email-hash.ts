import { ConfigError } from "../errors";
import { utf8 } from "../ingress/verifiers/encoding";
import { signHmac } from "../ingress/verifiers/sign-hmac";

/** Shorter salts are rejected: the hash must not be reversible by hashing a list of known addresses. */
const MIN_SALT_LENGTH = 16;

/** The `REDACTION_SALT` secret, checked; a ConfigError names it when it is missing or too short. */
export function redactionSalt(env: Record<string, unknown>): string {
  const salt = env.REDACTION_SALT;
  if (typeof salt !== "string" || salt.length < MIN_SALT_LENGTH) {
    throw new ConfigError(
      `REDACTION_SALT must be set to a random secret of at least ${MIN_SALT_LENGTH} characters (wrangler secret put REDACTION_SALT)`,
    );
  }
  return salt;
}

/**
 * HMAC-SHA256(salt, lower-case e-mail) in hex: equal for the same address in any case, meaningless without
 * the salt. It is what stays of an erased person's address.
 */
export async function emailHash(salt: string, email: string): Promise<string> {
  const mac = await signHmac("SHA-256", utf8(salt), utf8(email.trim().toLowerCase()));
  return [...mac].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** What replaces an erased e-mail address in stored data. */
export const redactedEmail = (hash: string) => `redacted:hmac-sha256:${hash}`;
