import type { CanonicalEvent } from "../../events/cloudevent";
import { log } from "../../lib/log";
import type { ReactionResult, RecipeContext } from "../../reactions/types";
import type { DeliveryActions } from "../actions/action-runner";
import { emitAlert, findingAlert, listensToAlerts } from "../alerts";
import type { DeliveryContext } from "../context";
import type { ClaimedDelivery } from "./claim";
import { vendorUserMemory } from "./vendor-user-memory";

/** A call must end this long before the attempt's lease does (as config/startup.ts bounds attempts). */
const LEASE_MARGIN_MS = 10_000;

/** What a recipe (or its reconcile hook) is given by the engine for one attempt. */
export const recipeContext = (
  ctx: DeliveryContext,
  { reaction, delivery }: Pick<ClaimedDelivery, "reaction" | "delivery">,
  actions: DeliveryActions,
): RecipeContext => {
  // The attempt was claimed just before (its lease runs lease_ms from then); a slow-path claim does not hand
  // back the new lease_until, so it is counted from now, a few milliseconds late at most.
  const leaseEnd = ctx.now() + ctx.config.delivery.lease_ms;
  return {
    membrane: ctx.membrane,
    connectionId: reaction.connection,
    actions,
    shared: (key, read) => ctx.reads.read(`${reaction.connection}\u0000${key}`, read),
    report: (finding) =>
      listensToAlerts(reaction)
        ? Promise.resolve()
        : emitAlert(ctx.env, ctx.config.reactions, findingAlert(finding, delivery), ctx.now()),
    canCall: () =>
      ctx.now() + ctx.membrane.timeoutMs + LEASE_MARGIN_MS <= leaseEnd && (ctx.callRoom?.() ?? true),
    vendorUsers: vendorUserMemory(ctx, reaction.connection),
  };
};

/** A checkpoint could not be written: another worker holds the delivery now, so this attempt stops. */
export class LeaseLost extends Error {}

/**
 * Runs the recipe; a recipe that throws is a bug, which retrying the same code on the same event cannot fix.
 * One that stops for a lost lease sent nothing after its last checkpoint: a transient, not-applied stop.
 */
export async function runRecipe(
  ctx: DeliveryContext,
  claimed: ClaimedDelivery,
  actions: DeliveryActions,
  event: CanonicalEvent,
  extra: Pick<RecipeContext, "checkpoint" | "resume">,
): Promise<ReactionResult> {
  const { reaction } = claimed;
  try {
    return await reaction.recipe.run(event, reaction.options, {
      ...recipeContext(ctx, claimed, actions),
      raw: claimed.raw,
      ...extra,
    });
  } catch (error) {
    if (error instanceof LeaseLost)
      return {
        kind: "transient",
        code: "busy",
        reason: "the attempt's lease was taken over before its next call; nothing more was sent",
        request: { method: "-", path: "(not sent)" },
        durationMs: 0,
      };
    log("error", "delivery.recipe_crashed", { reaction: reaction.name, error: String(error) });
    return { kind: "missing_data", reason: `recipe ${reaction.recipe.key} failed: ${String(error)}` };
  }
}
