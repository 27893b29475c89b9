import type { DeliveryStep } from "../attempt/step";
import type { AttemptKind } from "./breaker";
import type { LaneItem, LaneWork } from "./work";

/** How long a delivery held by a paused route waits before it is looked at again. */
export const ROUTE_PAUSE_RECHECK_MS = 30_000;

/** What one delivery's step changes in its lane. */
export interface Settlement {
  /** The lane's work after the step, written at the next round (one storage write for many steps). */
  write: (work: LaneWork) => void;
  /** The delivery made no attempt: if it was the half-open breaker's probe, another one goes. */
  probeNotSent: boolean;
  /** What the breaker learns from an attempt. */
  observe?: { outcome: AttemptKind; reason: string; code?: string };
}

/**
 * A delivery's step, as its lane takes it: an attempt feeds the breaker (an unknown outcome counts as a
 * transient failure); a retry waits in the lane until its time; a done delivery leaves (marking its entity's
 * state applied when it succeeded); a held one or one not due is looked at again then; a paused route holds it.
 */
export function settlement(item: LaneItem, step: DeliveryStep | undefined, now: number): Settlement {
  const id = item.deliveryId;
  const probeNotSent = step?.step !== "attempted" && step?.step !== "outcome_unknown";
  const settle = (write: Settlement["write"], observe?: Settlement["observe"]): Settlement => ({
    write,
    probeNotSent,
    ...(observe && { observe }),
  });
  // The run failed outside the engine's handling: looked at again shortly.
  if (!step) return settle((work) => work.reschedule(id, now + 5_000));
  switch (step.step) {
    case "not_due":
    case "held":
      return settle((work) => work.reschedule(id, step.until));
    case "attempted": {
      const observe = {
        outcome: step.outcome === "unknown" ? ("transient" as const) : step.outcome,
        reason: step.reason ?? step.code ?? "",
        ...(step.code && { code: step.code }),
      };
      const { nextAttemptAt } = step;
      if (step.status === "retrying" && nextAttemptAt !== undefined)
        return settle((work) => work.reschedule(id, nextAttemptAt), observe);
      const applied = step.status === "succeeded";
      return settle((work) => {
        if (applied) work.markApplied(item);
        work.remove(id);
      }, observe);
    }
    case "outcome_unknown":
      return settle((work) => work.remove(id), {
        outcome: "transient",
        reason: "an attempt's outcome is unknown",
        code: "outcome_unknown",
      });
    case "paused":
      // Its connection or route was paused after it became due: it waits here (resuming wakes the lane).
      return settle((work) => work.holdPaused(id, now + ROUTE_PAUSE_RECHECK_MS));
    default:
      // gone or finished.
      return settle((work) => work.remove(id));
  }
}
