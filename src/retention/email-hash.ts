import { emailKeyedHash, keyedHash } from "../lib/crypto";

// Lives in config/ so the ingress (which hashes every dedupe key) can read it too; re-exported for retention.
export { redactionSalt } from "../config/redaction-salt";

/**
 * The keyed hash of the lower-case e-mail: equal for the same address in any case. It is what stays of an
 * erased person's address.
 */
export function emailHash(salt: string, email: string): Promise<string> {
  return emailKeyedHash(salt, email);
}

/** Marks a value replaced by its keyed hash. */
const REDACTED = "redacted:hmac-sha256:";

/** What replaces an erased e-mail address in stored data. */
export const redactedEmail = (hash: string) => `${REDACTED}${hash}`;

/**
 * What replaces a de-duplication key that held an erased address: the keyed hash of the whole key, exactly as
 * received (the events.dedupe_hash written at ingest), so distinct keys stay distinct and a late retry of the
 * delivery is still recognised.
 */
export async function redactedDedupeKey(salt: string, key: string): Promise<string> {
  return `${REDACTED}${await keyedHash(salt, key)}`;
}
