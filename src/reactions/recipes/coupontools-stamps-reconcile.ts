import { z } from "zod";
import type { ReactionResult, RecipeContext, Reconciliation } from "../types";
import { customerOnCard, readBalance } from "./coupontools-card-reads";
import type { LoyaltyOptions } from "./coupontools-loyalty-user";

/**
 * How the stamps recipe (coupontools-add-stamps.ts) checks the card after a lost answer or a lost worker: a
 * create that may have made a user, and a stamps call that may have added stamps.
 */

/** What the stamps call's reconciliation needs: no personal data (ids and numbers). */
export const StampingSchema = z.object({
  stage: z.literal("stamping").optional(),
  userId: z.string(),
  baseline: z.number(),
  stamps: z.int().positive(),
});
/**
 * After a create whose answer was lost (or whose worker was lost): the card is read once the create can no
 * longer land. The customer on the card means it was applied and linked: the run goes on with that user. Not
 * on it proves nothing: a v3 create makes a user that is on no card until linked (proxy: create, then link),
 * and whether the create action does both in one step is not public (the emulator's does two vendor calls).
 * So an operator decides, rather than the bridge making a second user.
 */
export async function reconcileCreate(
  ctx: RecipeContext,
  opts: LoyaltyOptions,
  email: string,
): Promise<Reconciliation> {
  const check = "loyalty user create";
  // With creation off, an attempt cannot have created anyone: nothing to check.
  if (!opts.create_missing_user) return { verdict: "not_applied" };
  const onCard = await customerOnCard(ctx, opts, email);
  if ("failed" in onCard)
    return onCard.failed.kind === "transient"
      ? { verdict: "retry", outcome: onCard.failed, check }
      : {
          verdict: "unknown",
          reason: `reading the card's users failed: ${failureReason(onCard.failed)}`,
          check,
        };
  if (onCard.ids.length > 0) return { verdict: "not_applied", detail: "the user was created", check };
  if (opts.lost_create === "create_again")
    return { verdict: "not_applied", detail: "not on the card: created again (lost_create)", check };
  return {
    verdict: "unknown",
    reason:
      "the loyalty user create's answer was lost and the customer is not on the card: a user it made may " +
      "exist on no card (look the customer up in Coupontools and link that user to the card), or none was " +
      "made (then retry with force to create one)",
    check,
  };
}

const failureReason = (result: ReactionResult) => ("reason" in result ? result.reason : result.kind);

/**
 * Reads the user's balance again: baseline + stamps means the call was applied, baseline means it was not.
 * Sound because the lane serializes deliveries per loyalty user (`entityOrder`), and the reading waits
 * DELIVERY.ambiguous_settle_seconds after the ambiguous answer. Any other balance cannot be told apart:
 * unknown. Nor can a redemption that took the balance back to the baseline meanwhile: it reads as not applied
 * (the stats count these verdicts, check `stamp balance`).
 */
export async function reconcileStamps(
  ctx: RecipeContext,
  opts: LoyaltyOptions,
  email: string,
  { userId, baseline, stamps }: z.infer<typeof StampingSchema>,
): Promise<Reconciliation> {
  const check = "stamp balance";
  const read = await readBalance(ctx, opts, email, userId);
  if ("failed" in read)
    return read.failed.kind === "transient"
      ? { verdict: "retry", outcome: read.failed, check }
      : { verdict: "unknown", reason: `reading the stamp balance failed: ${read.failed.reason}`, check };
  if (!read.seen)
    return { verdict: "unknown", reason: `loyalty user ${userId} is not on the card any more`, check };
  const { balance } = read;
  if (balance === undefined)
    return {
      verdict: "unknown",
      reason: `the answer shows no stamp balance (${opts.balance_field}) for the loyalty user`,
      check,
    };
  if (balance === baseline + stamps)
    return { verdict: "applied", detail: `balance ${balance} = ${baseline} + ${stamps}`, check };
  if (balance === baseline) return { verdict: "not_applied", check };
  return {
    verdict: "unknown",
    reason: `the stamp balance moved from ${baseline} to ${balance}, not by 0 or ${stamps}: something else changed it`,
    check,
  };
}
