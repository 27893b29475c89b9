import type { CanonicalEvent } from "../../events/cloudevent";
import { log } from "../../lib/log";
import type { Reconciliation } from "../../reactions/types";
import { recordReconciliation } from "../../store/reconciliations";
import type { DeliveryActions } from "../actions/action-runner";
import type { DeliveryContext } from "../context";
import type { ClaimedDelivery } from "./claim";
import { type AttemptOutcome, outcomeOf, unknownOutcome } from "./outcome";
import { recipeContext } from "./recipe-run";

/** What an attempt does after reconciling: run the recipe (again, from `resume`), or end with this outcome. */
export type AfterReconciling = { run: true; resume?: unknown } | AttemptOutcome;

/** One handler per verdict, checked exhaustive by the compiler. */
const FROM_VERDICT: {
  [V in Reconciliation["verdict"]]: (
    found: Extract<Reconciliation, { verdict: V }>,
    durationMs: number,
    state: string,
  ) => AfterReconciling;
} = {
  not_applied: (found) => ({ run: true, ...(found.resume !== undefined && { resume: found.resume }) }),
  applied: (found, durationMs) => ({
    outcome: "success",
    errorCode: "reconciled",
    error: `reconciled: the vendor had applied it${found.detail ? ` (${found.detail})` : ""}`,
    durationMs,
  }),
  unknown: (found, durationMs) => unknownOutcome(found.reason, durationMs),
  // The reading failed: nothing was sent, so the delivery waits to read again.
  retry: (found, durationMs, state) => ({ ...outcomeOf(found.outcome, durationMs), reconcileState: state }),
};

/**
 * Reads the vendor's state with the recipe's reconcile hook before anything is sent again, after an ambiguous
 * outcome (`state`: what the recipe saved) or a lost worker. Each verdict is recorded, so the stats show how
 * often each comes.
 */
export async function reconcileFirst(
  ctx: DeliveryContext,
  claimed: ClaimedDelivery,
  actions: DeliveryActions,
  event: CanonicalEvent,
  state: string,
  started: number,
): Promise<AfterReconciling> {
  const { reaction, delivery } = claimed;
  const reconcile = reaction.recipe.reconcile;
  if (!reconcile) return { run: true };
  let found: Reconciliation;
  try {
    found = await reconcile(event, reaction.options, recipeContext(ctx, claimed, actions), JSON.parse(state));
  } catch (error) {
    log("error", "delivery.reconcile_crashed", { reaction: reaction.name, error: String(error) });
    found = { verdict: "unknown", reason: `reconciliation failed: ${String(error)}` };
  }
  log("info", "delivery.reconciled", { reaction: reaction.name, verdict: found.verdict, check: found.check });
  // A verdict that read nothing (a resume) is not counted among the checks.
  if (found.check !== undefined || found.verdict !== "not_applied")
    await recordReconciliation(ctx.env.DB, {
      deliveryId: delivery.id,
      attempt: claimed.attempt,
      reaction: reaction.name,
      check: found.check ?? "outcome",
      verdict: found.verdict,
      at: ctx.now(),
    });
  const handle = FROM_VERDICT[found.verdict] as (
    f: Reconciliation,
    ms: number,
    s: string,
  ) => AfterReconciling;
  return handle(found, ctx.now() - started, state);
}
