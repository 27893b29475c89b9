import type { DeliveryStep } from "../attempt/step";
import type { LaneItem, LaneWork } from "./work";

/** How long a delivery held by a paused route waits before it is looked at again. */
export const ROUTE_PAUSE_RECHECK_MS = 30_000;

/** What one delivery's step changes in its lane's work, written at the next round (one storage write for many). */
export type Settlement = (work: LaneWork) => void;

/**
 * A delivery's step, as its lane takes it: a retry waits in the lane until its time; a done delivery leaves
 * (marking its entity's state applied when it succeeded); a held one or one not due is looked at again then;
 * a paused route holds it. (The breaker learned from the attempt's calls as each ended.)
 */
export function settlement(item: LaneItem, step: DeliveryStep | undefined, now: number): Settlement {
  const id = item.deliveryId;
  // The run failed outside the engine's handling: looked at again shortly.
  if (!step) return (work) => work.reschedule(id, now + 5_000);
  switch (step.step) {
    case "not_due":
    case "held":
      return (work) => work.reschedule(id, step.until);
    case "attempted": {
      const { nextAttemptAt } = step;
      if (step.status === "retrying" && nextAttemptAt !== undefined)
        return (work) => work.reschedule(id, nextAttemptAt);
      const applied = step.status === "succeeded";
      return (work) => {
        if (applied) work.markApplied(item);
        work.remove(id);
      };
    }
    case "paused":
      // Its connection or route was paused after it became due: it waits here (resuming wakes the lane).
      return (work) => work.holdPaused(id, now + ROUTE_PAUSE_RECHECK_MS);
    default:
      // gone, finished or outcome_unknown.
      return (work) => work.remove(id);
  }
}
