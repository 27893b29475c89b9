import { ConfigError } from "../errors";

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
