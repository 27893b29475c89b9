import type { BreakerState } from "../../delivery/lane/breaker";
import { laneOf } from "../../delivery/lane/connection-lane";
import type { Env } from "../../env";

/** A connection's lane as operators see it: its breaker and the work waiting in it. */
export interface LaneView {
  breaker: {
    state: BreakerState["state"];
    consecutive_failures: number;
    opened_at?: number;
    probe_at?: number;
    reason?: string;
  };
  waiting: number;
  running: number;
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
            consecutive_failures: breaker.failures,
            ...(breaker.state !== "closed" && { opened_at: breaker.openedAt, reason: breaker.reason }),
            ...(breaker.state === "open" && { probe_at: breaker.probeAt }),
          },
          waiting: status.waiting,
          running: status.running,
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
