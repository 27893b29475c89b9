import { loadConfig } from "./config";
import { sweep } from "./delivery/sweep";
import type { Env } from "./env";
import { log } from "./lib/log";
import { purgeExpiredPayloads } from "./retention/purge-payloads";
import { redactCompletedErasures } from "./retention/redact-erasures";

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
