import { z } from "zod";
import { parseSettings } from "./settings";

/** [vars.DELIVERY] in wrangler.toml: how reactions are retried. Every field has a default. */
export const deliverySettings = z.strictObject({
  /** Delay before each retry; its length is the number of retries before a delivery is dead-lettered. */
  retry_schedule_seconds: z
    .array(z.number().int().positive().max(43_200))
    .min(1)
    .default([10, 60, 300, 1_800, 7_200, 21_600]),
  /**
   * Least wait before a non-idempotent call with an ambiguous outcome is reconciled (its vendor state read):
   * a request the vendor still works on can land after its caller gave up, up to the origin timeout of a
   * Cloudflare-fronted API (100 s, the 524). A reading before that could miss it and apply the call twice.
   */
  ambiguous_settle_seconds: z.number().int().min(0).max(3_600).default(120),
  /** Random spread applied to each delay, as a fraction (0.2 = +-20 %). */
  jitter: z.number().min(0).max(1).default(0.2),
  /** A delivery claimed longer ago than this is presumed lost with its worker (crash) and looked at again. */
  lease_ms: z.number().int().positive().default(120_000),
  /** Most attempts (or batches) one connection's lane runs at once. */
  lane_concurrency: z.number().int().min(1).max(256).default(32),
  /**
   * lane_concurrency for named connections (Membrane connection id -> most at once): more for a vendor that
   * takes more and answers slowly, fewer for one that refuses parallel calls.
   */
  connection_concurrency: z.record(z.string().min(1), z.number().int().min(1).max(256)).default({}),
  /**
   * Subrequests (Membrane calls through relays, D1 round trips) one lane alarm may make before it hands over to
   * the next: Workers Paid allows 10,000 per invocation by default ([limits] subrequests raises it), Workers Free
   * 1,000 to Cloudflare services. What the alarm made is counted; what its running deliveries may still make
   * is reserved at its most (src/delivery/lane/alarm-budget.ts).
   */
  pump_subrequests: z.number().int().min(100).max(10_000_000).default(8_000),
  /**
   * D1 queries one lane alarm may run before it hands over to the next: D1 allows 1,000 per Worker invocation on
   * Workers Paid (50 on Free), each statement of a batch counting; what the alarm ran is counted and what its
   * running deliveries may still run is reserved (src/delivery/lane/alarm-budget.ts). 950 leaves room for the
   * few the lane runs outside that count (a breaker alert).
   */
  pump_d1_queries: z.number().int().min(20).max(1_000).default(950),
  /**
   * Lanes send their Membrane calls through relay objects, so a lane has as many calls waiting as its
   * concurrency rather than the 6 connections one invocation may hold open (src/delivery/lane/relay/). That
   * Durable Object calls do not count against those 6 is not documented: `false` makes each lane call directly,
   * within its own 6, should a deploy show otherwise.
   */
  relays: z.boolean().default(true),
  /**
   * A connection's own vendor limits, where its account differs from the documented defaults, by pace bucket:
   * `{"ometria-demo": {"ometria-push": {limit = 4, per_seconds = 1}}}`. Buckets: `ometria-push` (8 per second,
   * docs.ometria.com; 4 on older pages, adjustable per account), `ometria-data-deletion` (6 per minute).
   */
  connection_pace: z
    .record(
      z.string().min(1),
      z.record(
        z.string().min(1),
        z.strictObject({
          limit: z.number().int().min(1).max(10_000),
          per_seconds: z.number().int().min(1).max(86_400),
        }),
      ),
    )
    .default({}),
  /**
   * How long an action's definition read from the workspace (its id and input schema) is used before it is
   * read again (src/delivery/action-runner.ts): a changed action is seen within this time.
   */
  action_definition_ttl_seconds: z.number().int().min(10).max(86_400).default(600),
  /**
   * When no definition of an action can be read (Membrane answers that it has none for the connection, or
   * refuses the read): "send" the input unchecked, marking the attempt (and the health page) "input not
   * checked", or "refuse" to send it (the delivery fails, code action_unresolved).
   */
  unchecked_action_inputs: z.enum(["send", "refuse"]).default("send"),
  /**
   * A connection's breaker (src/delivery/lane/breaker.ts) opens when, over the last breaker_window_seconds,
   * at least breaker_min_calls Membrane calls were made and at least breaker_open_rate of them failed
   * transiently (5xx, timeouts, dropped connections; a 429 is an answer): a vendor failing 30 % of calls is degraded,
   * not down.
   */
  breaker_window_seconds: z.number().int().min(1).max(3_600).default(60),
  breaker_min_calls: z.number().int().min(1).max(10_000).default(40),
  breaker_open_rate: z.number().gt(0).max(1).default(0.6),
  /** How long an open breaker waits before one delivery probes the connection again. */
  breaker_cooldown_seconds: z.number().int().min(1).max(3_600).default(30),
  /** The probe's calls: breaker_close_rate of breaker_probe_calls succeeding closes it; more failing reopens it. */
  breaker_probe_calls: z.number().int().min(1).max(100).default(3),
  breaker_close_rate: z.number().gt(0).max(1).default(0.6),
  /** An incident (one alert at its start, one at its end) ends once its breaker stayed closed this long. */
  incident_quiet_seconds: z.number().int().min(0).max(86_400).default(300),
  /** Cut a lane's concurrency on 429s and timeouts and grow it back on answers (src/delivery/lane/adaptive.ts). */
  adaptive_concurrency: z.boolean().default(true),
});
export type DeliverySettings = z.infer<typeof deliverySettings>;

/** How many attempts (or batches) the lane of `connection` runs at once. */
export function laneConcurrency(settings: DeliverySettings, connection: string): number {
  return settings.connection_concurrency[connection] ?? settings.lane_concurrency;
}

export function loadDeliverySettings(raw: unknown): DeliverySettings {
  return parseSettings("DELIVERY", deliverySettings, raw);
}
