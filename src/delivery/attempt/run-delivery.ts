import type { DeliveryMessage } from "../../queue/messages";
import { saveReconcileState } from "../../store/deliveries";
import { DeliveryActions } from "../actions/action-runner";
import type { DeliveryContext } from "../context";
import { type Claim, claimAlone } from "./claim-together";
import { outcomeOf } from "./outcome";
import { LeaseLost, runRecipe } from "./recipe-run";
import { reconcileFirst } from "./reconcile";
import { record } from "./record";
import { checkedOnce, checksOnly, retryScheduleOf } from "./retry-policy";
import type { DeliveryStep } from "./step";

/**
 * Attempts one delivery now: claim it (the attempt recorded before any call), reconcile what an earlier one
 * may have done, check the action inputs, run the recipe, record. Pacing, order and the breaker are the lane's
 * business (src/delivery/lane/).
 */
export async function runDelivery(
  ctx: DeliveryContext,
  message: DeliveryMessage,
  /** How it is claimed: with others asked for at once (a lane's rounds, claim-together.ts), or alone. */
  claim: Claim = claimAlone(ctx),
): Promise<DeliveryStep> {
  const claimed = await claim(message.deliveryId);
  if ("step" in claimed) return claimed;
  const started = ctx.now();
  const { event, reaction, delivery } = claimed;
  const elapsed = () => ctx.now() - started;
  if ("missing" in event)
    return record(ctx, claimed, ctx.now(), outcomeOf({ kind: "missing_data", reason: event.missing }, 0));
  // This attempt's actions: each read from the workspace and its input checked before it is sent.
  const actions = new DeliveryActions(ctx, reaction);
  // An earlier attempt's outcome was ambiguous, or its worker was lost after a checkpoint: check the vendor
  // before anything is sent again.
  let resume: unknown;
  const state = delivery.reconcile_state;
  if (state !== null && reaction.recipe.reconcile) {
    const checked = await reconcileFirst(ctx, claimed, actions, event, state, started);
    if (!("run" in checked)) return record(ctx, claimed, ctx.now(), checked);
    resume = checked.resume;
  }
  // Past the schedule's last attempt this one only checked what that attempt's call did: nothing more is sent.
  if (checksOnly(claimed.attempt, delivery.retry_base, retryScheduleOf(reaction, ctx.config.delivery)))
    return record(ctx, claimed, ctx.now(), checkedOnce(delivery, claimed.attempt, state !== null, elapsed()));
  // A misfit action input stops here, before any vendor call of this run.
  const misfit = await actions.precheck(event);
  if (misfit) return record(ctx, claimed, ctx.now(), outcomeOf(misfit, elapsed()));
  const result = await runRecipe(ctx, claimed, actions, event, {
    checkpoint: async (saved) => {
      const kept = await saveReconcileState(
        ctx.env.DB,
        delivery.id,
        claimed.attempt,
        saved === undefined ? null : JSON.stringify(saved),
      );
      // The call that would follow could not be checked later: it is not sent.
      if (!kept) throw new LeaseLost();
    },
    ...(resume !== undefined && { resume }),
  });
  const outcome = outcomeOf(result, elapsed(), reaction);
  return record(ctx, claimed, ctx.now(), actions.unchecked ? { ...outcome, inputUnchecked: true } : outcome);
}
