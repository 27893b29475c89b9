import { z } from "zod";
import { loadConfig } from "../../../config";
import { listPauses } from "../../../store/pauses";
import { reconciliationCounts } from "../../../store/reconciliations";
import { readStats } from "../../../store/stats";
import { NO_ALARMS, readLanes } from "../../operations/lanes";
import { pausableNames } from "../../operations/pauses";
import { defineRoute } from "../define-route";
import { iso } from "../present";
import { counts, deliveryStatus, eventStatus, isoTime } from "../schemas";

export const statsRoute = defineRoute({
  id: "getStats",
  method: "get",
  path: "/stats",
  summary: "Counts and health: events and deliveries by status, dead-letter depth, per route and connection",
  response: z.object({
    generated_at: isoTime,
    events: counts(eventStatus),
    deliveries: counts(deliveryStatus),
    dead_letter_depth: z.int().nonnegative().describe("Dead deliveries not retried since"),
    oldest_pending_delivery_age_ms: z
      .int()
      .nonnegative()
      .nullable()
      .describe("Age of the oldest delivery waiting to succeed (pending or retrying); null if none"),
    routes: z.record(
      z.string(),
      z.object({ paused: z.boolean(), events: counts(eventStatus), deliveries: counts(deliveryStatus) }),
    ),
    reconciliations: z
      .record(z.string(), z.record(z.string(), z.record(z.string(), z.int().nonnegative())))
      .describe(
        "Verdicts of the checks made after a lost answer, per reaction and check (e.g. `stamp balance`): " +
          "applied, not_applied, unknown, retry (the reading failed). A stamp balance back at its baseline " +
          "counts as not_applied even if a redemption took the stamps away in between",
      ),
    connections: z.record(
      z.string(),
      z.object({
        paused: z.boolean(),
        deliveries: counts(deliveryStatus),
        breaker: z
          .object({
            state: z.enum(["closed", "open", "half_open"]),
            calls: z
              .int()
              .nonnegative()
              .describe(
                "Closed: Membrane calls in the breaker's window now; open: the window's when it opened",
              ),
            failures: z.int().nonnegative().describe("Of those, the transient failures (429, 5xx, timeouts)"),
            opened_at: isoTime.optional().describe("When the breaker opened (open or half-open)"),
            probe_at: isoTime
              .optional()
              .describe("When an open breaker lets one delivery probe the connection"),
            reason: z.string().optional().describe("The transient failure that opened it"),
          })
          .describe(
            "Opens on the failure rate of the connection's calls (breaker_open_rate of at least breaker_min_calls " +
              "in breaker_window_seconds); its work waits, no attempts are spent",
          ),
        concurrency: z
          .int()
          .positive()
          .describe("Attempts the lane may have out now (cut on 429s and timeouts)"),
        incident: z
          .object({
            started_at: isoTime,
            openings: z.int().positive(),
            failures: z.int().nonnegative(),
            deliveries_held: z.int().nonnegative(),
            closed_at: isoTime
              .optional()
              .describe("When its breaker last closed; it ends after incident_quiet_seconds"),
          })
          .optional()
          .describe("From the breaker's first opening until it stayed closed for incident_quiet_seconds"),
        waiting: z.int().nonnegative().describe("Deliveries waiting in the connection's lane"),
        running: z.int().nonnegative().describe("Deliveries being attempted now"),
        alarms: z
          .object({
            count: z.int().nonnegative(),
            peak_subrequests: z.int().nonnegative(),
            peak_d1_queries: z.int().nonnegative(),
            handovers_for_subrequests: z.int().nonnegative(),
            handovers_for_d1_queries: z.int().nonnegative(),
          })
          .describe(
            "The lane's alarms since its object started: how many, the most one spent of its subrequests " +
              "(DELIVERY.pump_subrequests) and D1 queries (pump_d1_queries), and how many handed over to the " +
              "next for want of either (routine under load: the running deliveries go on beside the next alarm)",
          ),
      }),
    ),
  }),
  handle: async (_input, c) => {
    const now = Date.now();
    const config = loadConfig(c.env);
    const [stats, pauses, reconciliations] = await Promise.all([
      readStats(c.env.DB, now),
      listPauses(c.env.DB),
      reconciliationCounts(c.env.DB),
    ]);
    const connectionIds = [
      ...new Set([...pausableNames(config, "connection"), ...Object.keys(stats.connections)]),
    ].sort();
    const lanes = await readLanes(c.env, connectionIds);
    const paused = (kind: "route" | "connection", name: string) =>
      pauses.some((p) => p.kind === kind && p.name === name);
    // Configured routes and connections appear even before their first event.
    const routeNames = new Set([...pausableNames(config, "route"), ...Object.keys(stats.routes)]);
    return {
      generated_at: iso(now),
      events: stats.events,
      deliveries: stats.deliveries,
      dead_letter_depth: stats.deadLetterDepth,
      oldest_pending_delivery_age_ms: stats.oldestPendingAgeMs,
      reconciliations,
      routes: Object.fromEntries(
        [...routeNames]
          .sort()
          .map((name) => [
            name,
            { paused: paused("route", name), events: {}, deliveries: {}, ...stats.routes[name] },
          ]),
      ),
      connections: Object.fromEntries(
        connectionIds.map((id) => {
          const lane = lanes[id];
          const breaker = lane?.breaker ?? { state: "closed" as const, calls: 0, failures: 0 };
          const incident = lane?.incident;
          return [
            id,
            {
              paused: paused("connection", id),
              deliveries: {},
              ...stats.connections[id],
              breaker: {
                ...breaker,
                opened_at: breaker.opened_at === undefined ? undefined : iso(breaker.opened_at),
                probe_at: breaker.probe_at === undefined ? undefined : iso(breaker.probe_at),
              },
              waiting: lane?.waiting ?? 0,
              running: lane?.running ?? 0,
              alarms: lane?.alarms ?? NO_ALARMS,
              concurrency: lane?.concurrency ?? 1,
              ...(incident && {
                incident: {
                  ...incident,
                  started_at: iso(incident.started_at),
                  closed_at: incident.closed_at === undefined ? undefined : iso(incident.closed_at),
                },
              }),
            },
          ];
        }),
      ),
    };
  },
});
