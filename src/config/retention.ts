import { z } from "zod";
import { parseSettings } from "./settings";

/** [vars.RETENTION] in wrangler.toml: how long raw payloads and erased persons' data are kept. Every field has a default. */
export const retentionSettings = z.strictObject({
  /**
   * Raw deliveries (body and headers) and the request/response excerpts of attempts are removed after this
   * many days. Events keep their ids, statuses and canonical data.
   */
  raw_payload_days: z.number().int().min(1).max(3_650).default(30),
  /** Rows cleaned per table and cron run, so one run stays short whatever the backlog. */
  batch_size: z.number().int().min(1).max(5_000).default(500),
  /**
   * An erasure request is carried out locally this long after it was received at the latest, whatever its
   * reactions (the vendor deletion) answered: the bridge's own storage never waits on a vendor.
   */
  erasure_grace_minutes: z.number().int().min(0).max(1_440).default(5),
  /**
   * Longest time the erasure request's own deletion delivery keeps the address it must send, after the local
   * redaction; a deletion still not sent by then dies with a visible reason.
   */
  erasure_hold_hours: z.number().int().min(1).max(720).default(72),
});
export type RetentionSettings = z.infer<typeof retentionSettings>;

export function loadRetentionSettings(raw: unknown): RetentionSettings {
  return parseSettings("RETENTION", retentionSettings, raw);
}

/**
 * The erasure job's own part of [vars.RETENTION], read on its own so that a bad setting of payload retention
 * does not stop erasures (src/cron.ts runs the steps independently). Start-up validates the whole section.
 */
const erasureSettings = retentionSettings
  .pick({ erasure_grace_minutes: true, erasure_hold_hours: true })
  .loose();
export type ErasureSettings = Pick<RetentionSettings, "erasure_grace_minutes" | "erasure_hold_hours">;

export function loadErasureSettings(raw: unknown): ErasureSettings {
  const { erasure_grace_minutes, erasure_hold_hours } = parseSettings("RETENTION", erasureSettings, raw);
  return { erasure_grace_minutes, erasure_hold_hours };
}
