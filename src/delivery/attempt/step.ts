import type { AttemptOutcome } from "./outcome";

/** What happened to one delivery; the connection's lane schedules what comes next from it. */
export type DeliveryStep =
  | { step: "gone" | "finished" | "paused" }
  /** Not due yet, or claimed by a live lease elsewhere: look again at `until`. */
  | { step: "not_due" | "held"; until: number }
  | {
      step: "attempted";
      attempt: number;
      status: "succeeded" | "retrying" | "dead";
      outcome: AttemptOutcome["outcome"];
      code?: string;
      reason?: string;
      nextAttemptAt?: number;
    }
  | { step: "outcome_unknown" };
