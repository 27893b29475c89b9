import type { AlarmStats } from "./alarm-budget";
import type { BreakerState } from "./breaker";
import type { Incident } from "./incident";

/** What the lane reports to the admin API. */
export interface LaneStatus {
  connection: string;
  breaker: BreakerState;
  waiting: number;
  running: number;
  nextDueAt?: number;
  alarms: AlarmStats; // what its alarms spent since the lane object started (alarm-budget.ts)
  concurrency: number; // attempts it may have out now (adaptive.ts)
  incident?: Incident;
}
