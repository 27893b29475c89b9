import { z } from "zod";
import { ConfigError } from "../errors";
import { parseSettings } from "./settings";

/** Shorter tokens can be guessed; `openssl rand -base64 32` gives 44 characters. */
export const ADMIN_TOKEN_MIN_LENGTH = 32;

/**
 * The operator's token (secret ADMIN_TOKEN); undefined when unset or empty, which switches /admin off.
 * A token shorter than ADMIN_TOKEN_MIN_LENGTH is a ConfigError: start-up refuses it (src/config/startup.ts),
 * and it never opens anything should it reach a request.
 */
export function adminToken(env: Record<string, unknown>): string | undefined {
  const token = env.ADMIN_TOKEN;
  if (typeof token !== "string" || token === "") return undefined;
  if (token.length < ADMIN_TOKEN_MIN_LENGTH) {
    throw new ConfigError(
      `ADMIN_TOKEN must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters (it has ${token.length}); ` +
        "generate one with `openssl rand -base64 32`, or leave it unset to switch /admin off",
    );
  }
  return token;
}

/** [vars.ADMIN_THROTTLE]: failed admin-token attempts (API and dashboard login) allowed per client. */
export const adminThrottleSettings = z.strictObject({
  /** Failures within the window after which the client is answered 429 until the oldest leaves it. */
  max_failures: z.number().int().min(1).max(1_000).default(10),
  window_seconds: z.number().int().min(1).max(86_400).default(300),
});
export type AdminThrottleSettings = z.infer<typeof adminThrottleSettings>;

export function loadAdminThrottleSettings(raw: unknown): AdminThrottleSettings {
  return parseSettings("ADMIN_THROTTLE", adminThrottleSettings, raw);
}
