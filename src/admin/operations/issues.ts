import { loadConfig } from "../../config";
import type { Env } from "../../env";
import { type DeadLetterGroup, deadLetterGroups } from "../../store/dead-letter-groups";
import { listPauses, type PauseRow } from "../../store/pauses";
import { type LaneView, readLanes } from "./lanes";
import { pausableNames } from "./pauses";

/** What needs an operator now: the dashboard's issues strip, on every page. */
export interface Issues {
  /** Connections whose breaker is open or probing: their work waits, no attempts are spent. */
  breakers: { connection: string; breaker: LaneView["breaker"] }[];
  pauses: PauseRow[];
  deadLetters: { groups: DeadLetterGroup[]; capped: boolean };
  /** Every configured connection's lane, read once for the strip (the health page shows them too). */
  lanes: Record<string, LaneView>;
}

/**
 * One D1 round trip per read, in parallel, and one Durable Object call per connection: the configured ones,
 * or `connections` when the caller shows more (the health page lists those only in the store too).
 */
export async function readIssues(env: Env, now: number, connections?: readonly string[]): Promise<Issues> {
  connections ??= pausableNames(loadConfig(env), "connection");
  const [lanes, pauses, deadLetters] = await Promise.all([
    readLanes(env, connections),
    listPauses(env.DB),
    deadLetterGroups(env.DB, now),
  ]);
  const breakers = Object.entries(lanes)
    .filter(([, lane]) => lane.breaker.state !== "closed")
    .map(([connection, lane]) => ({ connection, breaker: lane.breaker }));
  return { breakers, pauses, deadLetters, lanes };
}
