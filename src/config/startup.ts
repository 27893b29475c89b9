import type { Env } from "../env";
import { ConfigError } from "../errors";
import { parseMembraneConfig } from "../membrane/config";
import { type BridgeConfig, loadConfig } from ".";
import { adminToken, loadAdminThrottleSettings } from "./admin";
import { loadLogLevel } from "./log-level";
import { redactionSalt } from "./redaction-salt";

/** Head-room on top of an attempt's worst-case call time before its lease may be taken over. */
const LEASE_MARGIN_MS = 10_000;

/**
 * Everything that can be checked before the first delivery arrives, run when the worker module loads so a
 * broken configuration stops `wrangler dev` and `wrangler deploy` instead of failing deliveries later.
 */
export function validateAtStartup(env: Env): BridgeConfig {
  const config = loadConfig(env);
  adminToken(env);
  loadAdminThrottleSettings(env.ADMIN_THROTTLE);
  loadLogLevel(env.LOG_LEVEL);
  // The ingress hashes every de-duplication key with it (src/ingress/dedupe-key.ts): no delivery is stored without.
  redactionSalt(env);
  const callsMembrane =
    config.reactions.length > 0 ||
    Object.values(config.routes).some((r) => r.verifier.type === "coupontools");
  if (!callsMembrane) return config;

  const { timeoutMs } = parseMembraneConfig(env);
  const longestAttempt = Math.max(1, ...config.reactions.map((r) => r.recipe.maxCalls)) * timeoutMs;
  if (config.delivery.lease_ms < longestAttempt + LEASE_MARGIN_MS) {
    throw new ConfigError(
      `DELIVERY.lease_ms (${config.delivery.lease_ms}) must exceed the longest attempt, ` +
        `${longestAttempt} ms (calls x MEMBRANE_TIMEOUT_MS) plus ${LEASE_MARGIN_MS} ms, or a slow attempt could be taken over`,
    );
  }
  return config;
}
