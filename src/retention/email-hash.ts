import { ConfigError } from "../errors";
import { toHex, utf8 } from "../lib/bytes";
import { signHmac } from "../lib/crypto";

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

/** HMAC-SHA256(salt, text) in hex: meaningless without the salt. */
async function keyedHash(salt: string, text: string): Promise<string> {
  return toHex(await signHmac("SHA-256", utf8(salt), utf8(text)));
}

/**
 * The keyed hash of the lower-case e-mail: equal for the same address in any case. It is what stays of an
 * erased person's address.
 */
export function emailHash(salt: string, email: string): Promise<string> {
  return keyedHash(salt, email.trim().toLowerCase());
}

/** Marks a value replaced by its keyed hash. */
const REDACTED = "redacted:hmac-sha256:";

/** What replaces an erased e-mail address in stored data. */
export const redactedEmail = (hash: string) => `${REDACTED}${hash}`;

/**
 * What replaces a de-duplication key that held an erased address: the keyed hash of the whole key, exactly as
 * received, so distinct keys stay distinct and UNIQUE (route, dedupe_key) still holds.
 */
export async function redactedDedupeKey(salt: string, key: string): Promise<string> {
  return `${REDACTED}${await keyedHash(salt, key)}`;
}
