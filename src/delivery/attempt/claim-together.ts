import type { DeliveryContext } from "../context";
import { type ClaimedDelivery, claimForAttempts } from "./claim";
import type { DeliveryStep } from "./step";

/** Claims one delivery for an attempt (claim.ts), maybe together with others asked for at the same moment. */
export type Claim = (deliveryId: string) => Promise<ClaimedDelivery | DeliveryStep>;

/** Claims each delivery on its own. */
export const claimAlone =
  (ctx: DeliveryContext): Claim =>
  async (deliveryId) =>
    (await claimForAttempts(ctx, [deliveryId])).get(deliveryId) ?? { step: "gone" };

/**
 * Claims the deliveries asked for in one turn of the event loop together, in one D1 round trip of three
 * statements (claimForAttempts), not three statements each: a lane round starts its units in one go, and D1
 * counts every statement against the alarm's 1,000 queries. What claimDue leaves (in flight, paused...) is
 * still claimed one by one by claimForAttempts.
 */
export function claimTogether(ctx: DeliveryContext): Claim {
  let waiting: Array<{ id: string; done: (claim: Promise<ClaimedDelivery | DeliveryStep>) => void }> = [];
  const flush = () => {
    const asked = waiting;
    waiting = [];
    const claims = claimForAttempts(
      ctx,
      asked.map((a) => a.id),
    );
    for (const { id, done } of asked) done(claims.then((all) => all.get(id) ?? ({ step: "gone" } as const)));
  };
  return (deliveryId) =>
    new Promise((resolve) => {
      if (waiting.length === 0) queueMicrotask(flush);
      waiting.push({ id: deliveryId, done: resolve });
    });
}
