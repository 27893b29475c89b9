import type { RetentionSettings } from "../config/retention";
import { log } from "../lib/log";
import { removeAttemptBodies, removeRawPayloads } from "../store/retention";

const DAY_MS = 86_400_000;

export interface PurgeResult {
  events: number;
  attempts: number;
}

/**
 * Cron: removes raw payloads older than `raw_payload_days`, one batch per table and run. The raw delivery
 * holds everything the vendor sent (addresses, phone numbers...), the attempts' excerpts what was sent on;
 * the canonical event, far smaller, stays for the operator views, replays and erasure matching.
 */
export async function purgeExpiredPayloads(
  db: D1Database,
  settings: RetentionSettings,
  now: number,
): Promise<PurgeResult> {
  const before = now - settings.raw_payload_days * DAY_MS;
  const events = await removeRawPayloads(db, before, settings.batch_size);
  const attempts = await removeAttemptBodies(db, before, settings.batch_size, now);
  if (events > 0 || attempts > 0) {
    log("info", "retention.purged", { events, attempts, older_than_days: settings.raw_payload_days });
  }
  return { events, attempts };
}
