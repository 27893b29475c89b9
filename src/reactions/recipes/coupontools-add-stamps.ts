import { z } from "zod";
import { toMajorUnits } from "../../events/money";
import type { OrderData } from "../../events/types";
import { coupontoolsBodyCheck } from "../../membrane/body-checks";
import type { CallOutcome } from "../../membrane/outcome";
import { missingData, type Recipe, skipped, unlessAmbiguous } from "../types";

const options = z.strictObject({
  loyalty_card_id: z.string().min(1),
  /** One flat amount per paid order, or one stamp per `per_units` whole currency units of the total. */
  stamp_rule: z
    .discriminatedUnion("per", [
      z.strictObject({ per: z.literal("order"), stamps: z.number().int().positive().default(1) }),
      z.strictObject({
        per: z.literal("amount"),
        per_units: z.number().positive(),
        currency: z.string().regex(/^[A-Z]{3}$/),
        max_stamps: z.number().int().positive().optional(),
      }),
    ])
    .default({ per: "order", stamps: 1 }),
  /** Create the loyalty card user when the customer's e-mail is not on the card yet. */
  create_missing_user: z.boolean().default(true),
});
type Options = z.infer<typeof options>;

/** Stamps earned by an order under the rule; null when the order's currency does not match the rule. */
export function stampsFor(order: OrderData, rule: Options["stamp_rule"]): number | null {
  if (rule.per === "order") return rule.stamps;
  if (order.total.currency !== rule.currency) return null;
  const stamps = Math.floor(toMajorUnits(order.total) / rule.per_units);
  return rule.max_stamps === undefined ? stamps : Math.min(stamps, rule.max_stamps);
}

const searchResult = z.object({ result: z.array(z.looseObject({ id: z.union([z.string(), z.number()]) })) });
const createResult = z.object({ result: z.looseObject({ id: z.union([z.string(), z.number()]) }) });

/**
 * order.paid -> Coupontools: add stamps to the customer's loyalty card, finding (or creating) the loyalty
 * user by e-mail first. Adding stamps is not idempotent upstream: the engine never repeats it blindly.
 */
export const coupontoolsAddStamps: Recipe<Options, "order.paid"> = {
  key: "coupontools.add-stamps",
  description: "Adds loyalty stamps for a paid order to the customer's Coupontools loyalty card.",
  accepts: ["order.paid"],
  options,
  idempotent: false,
  maxCalls: 3,
  async run(event, opts, { membrane, connectionId }) {
    const email = event.data.customer.email;
    if (!email) return missingData("order.paid has no customer e-mail to find the loyalty card user by");
    const stamps = stampsFor(event.data, opts.stamp_rule);
    if (stamps === null)
      return skipped(`order currency ${event.data.total.currency} does not match the stamp rule`);
    if (stamps === 0) return skipped("order total earns no stamps under the stamp rule");

    const call = (path: string, body: unknown): Promise<CallOutcome> =>
      membrane.proxy({ connectionId, method: "POST", path, body, acceptBody: coupontoolsBodyCheck });
    const card = opts.loyalty_card_id;

    const search = await call("/v3/loyaltyusers/search", { loyaltycard: card, search: email });
    if (search.kind !== "success") return search;
    let userId = searchResult.safeParse(search.body).data?.result[0]?.id;
    if (userId === undefined) {
      if (!opts.create_missing_user)
        return missingData("the customer has no loyalty card user and creation is off");
      const { first_name, last_name } = event.data.customer;
      const created = await call("/v3/loyaltyusers/create", {
        loyaltycard: card,
        email,
        ...(first_name && { firstname: first_name }),
        ...(last_name && { lastname: last_name }),
      });
      if (created.kind !== "success") return created;
      userId = createResult.safeParse(created.body).data?.result.id;
      if (userId === undefined) return missingData("Coupontools created the user but returned no user id");
    }
    // The only step that changes a balance: if its answer is lost, the stamps may already be on the card.
    return unlessAmbiguous(
      await call("/v3/loyaltyusers/update", { loyaltycard: card, user: String(userId), stamps }),
    );
  },
};
