import { z } from "zod";
import { parseSettings } from "./settings";

/** [vars.RETENTION] in wrangler.toml: how long raw payloads are kept. Every field has a default. */
export const retentionSettings = z.strictObject({
  /**
   * Raw deliveries (body and headers) and the request/response excerpts of attempts are removed after this
   * many days. Events keep their ids, statuses and canonical data.
   */
  raw_payload_days: z.number().int().min(1).max(3_650).default(30),
  /** Rows cleaned per table and cron run, so one run stays short whatever the backlog. */
  batch_size: z.number().int().min(1).max(5_000).default(500),
});
export type RetentionSettings = z.infer<typeof retentionSettings>;

export function loadRetentionSettings(raw: unknown): RetentionSettings {
  return parseSettings("RETENTION", retentionSettings, raw);
}
