import { loadConfig } from "./config";
import { loadDeliverySettings } from "./config/delivery";
import { sweep } from "./delivery/sweep";
import type { Env } from "./env";
import { log } from "./lib/log";
import { purgeExpiredPayloads } from "./retention/purge-payloads";
import { redactCompletedErasures } from "./retention/redact-erasures";
import { rollUpAttemptHours } from "./store/attempt-hours";

/**
 * The scheduled handler's work, every minute. Steps run one after the other (D1 has a single writer) and
 * independently: a failing step is logged and the others still run; the run then fails as a whole so the
 * Cron Trigger shows it.
 */
export async function runScheduled(env: Env, now = Date.now()): Promise<void> {
  const steps: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
    ["sweep", () => sweep(env, now)],
    ["retention", () => purgeExpiredPayloads(env.DB, loadConfig(env).retention, now)],
    ["erasure", () => redactCompletedErasures(env, now)],
    // The dashboard's connection charts read finished hours from here (src/store/attempt-hours.ts). Only its own
    // setting is read, so a bad setting elsewhere does not stop it (as the erasure step).
    ["charts", () => rollUpAttemptHours(env.DB, now, loadDeliverySettings(env.DELIVERY).lease_ms)],
  ];
  const failures: unknown[] = [];
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (error) {
      log("error", "cron.step_failed", { step: name, error: String(error) });
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} cron step(s) failed`);
}
