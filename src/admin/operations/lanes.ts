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
}

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
        },
      ];
    }),
  );
  return Object.fromEntries(views);
}
