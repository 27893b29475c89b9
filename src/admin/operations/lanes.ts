import { type BreakerState, totals } from "../../delivery/lane/breaker";
import { laneOf } from "../../delivery/lane/connection-lane";
import type { Env } from "../../env";

/** A connection's lane as operators see it: its breaker and the work waiting in it. */
export interface LaneView {
  breaker: {
    state: BreakerState["state"];
    /** Closed: the calls and transient failures in the breaker's window now; otherwise those that opened it. */
    calls: number;
    failures: number;
    opened_at?: number;
    probe_at?: number;
    reason?: string;
  };
  waiting: number;
  running: number;
  /** Attempts the lane may have out now: its configured concurrency, or less while the vendor sheds load. */
  concurrency: number;
  /** The connection's open incident, from its breaker's first opening until it stayed closed for the quiet time. */
  incident?: {
    started_at: number;
    openings: number;
    failures: number;
    deliveries_held: number;
    closed_at?: number;
  };
  alarms: {
    count: number;
    peak_subrequests: number;
    peak_d1_queries: number;
    handovers_for_subrequests: number;
    handovers_for_d1_queries: number;
  };
}

export const NO_ALARMS: LaneView["alarms"] = {
  count: 0,
  peak_subrequests: 0,
  peak_d1_queries: 0,
  handovers_for_subrequests: 0,
  handovers_for_d1_queries: 0,
};

/** Reads the lanes of these connections (one Durable Object call each, in parallel). */
export async function readLanes(env: Env, connections: readonly string[]): Promise<Record<string, LaneView>> {
  const views = await Promise.all(
    connections.map(async (connection): Promise<[string, LaneView]> => {
      const status = await laneOf(env, connection).status();
      const { breaker } = status;
      return [
        connection,
        {
          breaker: {
            state: breaker.state,
            ...(breaker.state === "closed"
              ? totals(breaker.window)
              : { calls: breaker.calls, failures: breaker.failures }),
            ...(breaker.state !== "closed" && { opened_at: breaker.openedAt, reason: breaker.reason }),
            ...(breaker.state === "open" && { probe_at: breaker.probeAt }),
          },
          waiting: status.waiting,
          running: status.running,
          concurrency: status.concurrency,
          ...(status.incident && {
            incident: {
              started_at: status.incident.startedAt,
              openings: status.incident.openings,
              failures: status.incident.failures,
              deliveries_held: status.incident.held,
              ...(status.incident.closedAt !== undefined && { closed_at: status.incident.closedAt }),
            },
          }),
          alarms: {
            count: status.alarms.alarms,
            peak_subrequests: status.alarms.peak.subrequests,
            peak_d1_queries: status.alarms.peak.queries,
            handovers_for_subrequests: status.alarms.handovers.subrequests,
            handovers_for_d1_queries: status.alarms.handovers.queries,
          },
        },
      ];
    }),
  );
  return Object.fromEntries(views);
}
