import type { Reaction } from "../../config/reactions";
import type { CallOutcome } from "../../membrane/outcome";
import type { ReactionResult } from "../../reactions/types";
import type { AttemptResult } from "../../store/deliveries";

/**
 * The engine's one vocabulary for what an attempt came to: the attempt row's record (`outcome` success |
 * transient | permanent | unknown, the code and reason, the request and response kept), with what moving the
 * delivery on needs besides: the vendor's Retry-After, and the progress the next attempt reconciles with.
 * Recipes speak ReactionResult and the Membrane client CallOutcome; both become this once, here.
 */
export type AttemptOutcome = AttemptResult & {
  retryAfterMs?: number;
  /** JSON the next attempt reconciles with before repeating the call; absent clears it. */
  reconcileState?: string;
};

/** The call's record on the attempt: its request, the answer's excerpt, the action run. */
const callRecord = (call: CallOutcome) => ({
  request: call.request,
  ...(call.response && { response: call.response }),
  ...(call.actionRunId && { actionRunId: call.actionRunId }),
});

const UNKNOWN_HINT = "check the vendor before retrying (a repeat could apply it twice)";

/** One handler per kind of ReactionResult, checked exhaustive by the compiler. */
const FROM_RESULT: {
  [K in ReactionResult["kind"]]: (
    result: Extract<ReactionResult, { kind: K }>,
    durationMs: number,
  ) => AttemptOutcome;
} = {
  // Nothing to do (no consent, no stamps earned) counts as done.
  skipped: (r, durationMs) => ({ outcome: "success", durationMs, error: r.reason }),
  missing_data: (r, durationMs) => ({
    outcome: "permanent",
    errorCode: "event_data_missing",
    error: r.reason,
    durationMs,
  }),
  unknown: (r) => ({
    outcome: "unknown",
    errorCode: "outcome_unknown",
    error: `${r.reason}; ${UNKNOWN_HINT}`,
    ...callRecord(r.outcome),
    durationMs: r.outcome.durationMs,
  }),
  success: (r, durationMs) => ({ outcome: "success", ...callRecord(r), durationMs }),
  transient: (r) => ({
    outcome: "transient",
    errorCode: r.code,
    error: r.reason,
    ...callRecord(r),
    ...(r.retryAfterMs !== undefined && { retryAfterMs: r.retryAfterMs }),
    durationMs: r.durationMs,
  }),
  permanent: (r) => ({
    outcome: "permanent",
    errorCode: r.code,
    error: r.reason,
    ...callRecord(r),
    durationMs: r.durationMs,
  }),
};

/**
 * What a recipe's result comes to. With its `reaction` given, an ambiguous result of a recipe that can
 * reconcile becomes a transient attempt that keeps what the recipe saved: the next attempt reads the vendor's
 * state before repeating anything.
 */
export function outcomeOf(result: ReactionResult, durationMs: number, reaction?: Reaction): AttemptOutcome {
  if (result.kind === "unknown" && result.saved !== undefined && reaction?.recipe.reconcile) {
    const { outcome } = result;
    return {
      ...outcomeOf(outcome, durationMs),
      outcome: "transient",
      errorCode: outcome.kind === "transient" ? outcome.code : "outcome_ambiguous",
      error: `${result.reason}; the vendor's state is checked before any repeat`,
      reconcileState: JSON.stringify(result.saved),
    };
  }
  return (FROM_RESULT[result.kind] as (r: ReactionResult, ms: number) => AttemptOutcome)(result, durationMs);
}

/** An attempt that ended as unknown for an operator, with the reason and what to do. */
export const unknownOutcome = (reason: string, durationMs: number): AttemptOutcome => ({
  outcome: "unknown",
  errorCode: "outcome_unknown",
  error: `${reason}; ${UNKNOWN_HINT}`,
  durationMs,
});
