import type { Reaction } from "../../config/reactions";

/**
 * D1 round trips of one attempt (or batch) besides its calls, at most: claim, baseline, record, event status.
 * test/bench/d1-statements.test.ts holds the stamps delivery and the push batch to it.
 */
export const D1_TRIPS_PER_ATTEMPT = 4;

/**
 * The most subrequests a unit (a delivery, or a batch of `records`) can make: its recipe's calls, or a batch's
 * sends when it is halved down to single records (2n - 1) with a lease extension before each further send.
 */
export function subrequestsOf(reaction: Reaction | undefined, records: number): number {
  if (!reaction) return D1_TRIPS_PER_ATTEMPT;
  const calls = reaction.recipe.batch ? 2 * records - 1 : reaction.recipe.maxCalls;
  const extensions = reaction.recipe.batch ? calls - 1 : 0;
  return calls + extensions + D1_TRIPS_PER_ATTEMPT;
}
