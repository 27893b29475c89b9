import { z } from "zod";
import { toMajorUnits } from "../../events/money";
import type { OrderData } from "../../events/types";
import { coupontoolsBodyCheck } from "../../membrane/body-checks";
import { actionStep, runAction } from "../action-call";
import { viaOption } from "../calls";
import { sendWithRetry } from "../retry-in-attempt";
import { type ActionCall, missingData, type Recipe, skipped, unlessAmbiguous } from "../types";
import { findUsersCall, proxyCall } from "./coupontools-card-reads";
import { CreatedSchema, CreatingSchema, createUserCall, findOrCreate } from "./coupontools-loyalty-user";
import { reconcileCreate, reconcileStamps, StampingSchema } from "./coupontools-stamps-reconcile";

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
  /** Create (and link) the loyalty card user when the customer's e-mail is not on the card yet. */
  create_missing_user: z.boolean().default(true),
  /**
   * After a create whose answer was lost, a customer still not on the card once the settle time has passed:
   * "operator" (default) leaves the delivery to an operator, since a v3 create makes a user that is on no card
   * until linked, and whether the create action does both in one step is not public; "create_again" creates
   * them again, for a workspace whose create never leaves a user off the card (a user made off the card after
   * all stays there, unused; one on the card is found, and two are raised as hookbridge.duplicate_loyalty_user).
   */
  lost_create: z.enum(["operator", "create_again"]).default("operator"),
  /**
   * "action" by default: the name of the stamps amount field of /v3/loyaltyusers/update is not public, and
   * the seeds advise an action where field names are not public.
   */
  via: viaOption("action"),
  /**
   * Proxy only: the amount field of /v3/loyaltyusers/update. The docs show only its description, "Amount of
   * points/stamps"; `amount` is the most likely name (Coupontools' v3 parameters are plain lower-case words
   * and the description starts with it). Unconfirmed: set it to the name your account's docs show.
   */
  stamps_field: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/)
    .default("amount"),
  /**
   * Where a loyalty user's stamp balance is in the list/search answer (or the list action's records), to
   * reconcile an ambiguous stamps call. The answer shapes are not public (docs.coupontools.com api/v3/loyalty
   * shows no response; v4 lists per-user "stats"): `stamps` is an assumption, so it is a setting. When no
   * balance is found there, an ambiguous call ends `outcome_unknown` for an operator.
   */
  balance_field: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/)
    .default("stamps"),
  /**
   * How the customer is looked for on the card (coupontools-card-reads.ts). "auto": the v3 search through the
   * proxy (on either path) when the e-mail's local part is a term it takes, else the card's list; "list": the
   * card's list always (for an account whose search does not find users by part of their e-mail: the bridge
   * raises hookbridge.loyalty_search_missed when it sees that). A returning customer is not looked for at all:
   * the user found or made is remembered, and only their balance is read.
   */
  find_by: z.enum(["auto", "list"]).default("auto"),
  /**
   * Pages of the list action read at most while looking for a customer (Membrane list actions answer page by
   * page): past them the delivery fails rather than call the customer absent, and creates no user.
   */
  list_max_pages: z.int().min(1).max(100_000).default(2_000),
  /**
   * How much of one answer is read (a search, a page of the list action, or the v3 list whole): about 100 bytes
   * per user; the customer cannot be looked for in a cut answer, so a longer one stops the delivery. Membrane
   * documents answers up to 30 MB.
   */
  list_read_limit_bytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(30 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  /**
   * Action path: the Membrane action of each step (a key or `{key | id, rename | map}`: action-call.ts); the
   * inputs the recipe builds are the emulator's design, so a workspace whose schema names a field otherwise
   * is fitted here.
   */
  actions: z
    .strictObject({
      find_user: actionStep("list-loyalty-card-users"),
      create_user: actionStep("create-loyalty-card-user"),
      add_stamps: actionStep("add-stamps-to-loyalty-card"),
    })
    .prefault({}),
});
type Options = z.infer<typeof options>;

/** Stamps earned by an order under the rule; null when the order's currency does not match the rule. */
export function stampsFor(order: OrderData, rule: Options["stamp_rule"]): number | null {
  if (rule.per === "order") return rule.stamps;
  if (order.total.currency !== rule.currency) return null;
  const stamps = Math.floor(toMajorUnits(order.total) / rule.per_units);
  return rule.max_stamps === undefined ? stamps : Math.min(stamps, rule.max_stamps);
}

/** The stamps action's call (its input: the emulator's design, `stamps` for the amount). */
const addStampsCall = (opts: Options, userId: string, stamps: number): ActionCall => ({
  step: opts.actions.add_stamps,
  setting: "options.actions.add_stamps",
  input: { loyaltyCardId: opts.loyalty_card_id, userId, stamps },
  acceptBody: coupontoolsBodyCheck,
});

/** A stamps call went out without a balance read before it: nothing can be compared after it. */
const UncheckableSchema = z.object({ stage: z.literal("stamping-unchecked") });
/** The delivery's saved progress, by step (coupontools-loyalty-user.ts for the create). */
const SavedSchema = z.union([CreatingSchema, CreatedSchema, StampingSchema, UncheckableSchema]);

/**
 * order.paid -> Coupontools: add stamps to the customer's loyalty card, finding (or creating and linking)
 * the loyalty user by e-mail first. Neither adding stamps nor creating a user is idempotent upstream, and the
 * engine repeats neither blindly: each is checkpointed before it goes out and reconciled after a lost answer.
 */
export const coupontoolsAddStamps: Recipe<Options, "order.paid"> = {
  key: "coupontools.add-stamps",
  description: "Adds loyalty stamps for a paid order to the customer's Coupontools loyalty card.",
  accepts: ["order.paid"],
  options,
  idempotent: false,
  // Proxy: find (or read a remembered user's balance), create, link, read the balance, update; a reconciling
  // attempt reads once more first. Reads beyond these (the pages of a list after the first, the list read after
  // a search that did not show the user, a lookup after a remembered user is gone) each ask `canCall`.
  maxCalls: 6,
  entityOrder: "serialize",
  serializationScope: (opts) => `coupontools-loyalty-card:${opts.loyalty_card_id}`,
  // The create and the stamps call are each preceded by a checkpoint: an attempt lost before its first one
  // changed nothing, and runs again.
  checkpointsWrites: true,
  /**
   * The loyalty user the stamps go to, found by e-mail: the card and a keyed hash of the lower-case e-mail.
   * Not the customer id: the user is found by e-mail, so a guest order and an account order of one address
   * reach the same user and must be serialized together. A hash, because the key is stored (D1, lanes).
   */
  async entity(event, opts, keys) {
    const email = event.data.customer.email;
    if (!email) return undefined;
    return `loyalty-user:${opts.loyalty_card_id}:${await keys.hash(email.toLowerCase())}`;
  },
  async run(event, opts, ctx) {
    const { email, first_name, last_name } = event.data.customer;
    if (!email) return missingData("order.paid has no customer e-mail to find the loyalty card user by");
    const stamps = stampsFor(event.data, opts.stamp_rule);
    if (stamps === null)
      return skipped(`order currency ${event.data.total.currency} does not match the stamp rule`);
    if (stamps <= 0) return skipped("order total earns no stamps under the stamp rule");

    const customer = { email, first_name, last_name };
    const pending = CreatedSchema.safeParse(ctx.resume).data?.userId;
    const found = await findOrCreate(ctx, opts, customer, pending);
    if ("stop" in found) return found.stop;

    // Without a balance read before the call nothing can be compared later: an operator decides. A checkpoint
    // is written either way, so an earlier one never stands for the stamps call.
    const saved =
      found.baseline === undefined
        ? undefined
        : ({ stage: "stamping", userId: found.userId, baseline: found.baseline, stamps } as const);
    await ctx.checkpoint?.(saved ?? { stage: "stamping-unchecked" });
    // The only step that changes a balance: if its answer is lost, the stamps may already be on the card.
    const added = await sendWithRetry(ctx, () =>
      opts.via === "action"
        ? runAction(ctx, addStampsCall(opts, found.userId, stamps))
        : proxyCall(ctx, "/v3/loyaltyusers/update", {
            loyaltycard: opts.loyalty_card_id,
            user: found.userId,
            [opts.stamps_field]: stamps,
          }),
    );
    return unlessAmbiguous(added, saved);
  },

  actionCalls(event, opts) {
    const { email, first_name, last_name } = event.data.customer;
    const stamps = stampsFor(event.data, opts.stamp_rule);
    if (opts.via !== "action" || !email || stamps === null || stamps <= 0) return [];
    // A stand-in for the user id the list or create answers.
    const userId = "preflight-user";
    const calls = [findUsersCall(opts)];
    if (opts.create_missing_user) calls.push(createUserCall(opts, { email, first_name, last_name }));
    return [...calls, addStampsCall(opts, userId, stamps)];
  },
  // A search by a term no e-mail has: a read, and a short answer however long the card's list. It goes
  // through the proxy on either path whenever find_by is "auto".
  probe: (opts) =>
    opts.via === "action" && opts.find_by === "list"
      ? undefined
      : {
          method: "POST",
          path: "/v3/loyaltyusers/search",
          body: { loyaltycard: opts.loyalty_card_id, search: "hookbridge-preflight" },
          acceptBody: coupontoolsBodyCheck,
        },
  lookupNotes: (opts) => [
    opts.find_by === "auto"
      ? "a customer whose e-mail's local part the v3 search takes (3+ of A-Z a-z 0-9 - _ @) is found by one search; " +
        `any other (a '.' or '+' in it) by reading the card's list${opts.via === "action" ? " page by page" : " whole"}, ` +
        "a cost that grows with the card, for a new customer and for a returning one's balance"
      : `every customer is found, and every balance read, by reading the card's list${opts.via === "action" ? " page by page" : " whole"} (find_by = "list"): a cost that grows with the card`,
    "a returning customer's user is remembered (no lookup); only their balance is read before the stamps",
  ],

  /** Checks the vendor after a lost answer or a lost worker, by the step that was under way. */
  async reconcile(event, opts, ctx, saved) {
    const state = SavedSchema.safeParse(saved);
    if (!state.success) return { verdict: "unknown", reason: "the saved progress is unreadable" };
    const email = event.data.customer.email;
    if (!email) return { verdict: "unknown", reason: "the order has no e-mail to find the loyalty user by" };
    const progress = state.data;
    if (progress.stage === "created")
      // Linked or not, the next run reads the card first and links this user only if it is not there.
      return { verdict: "not_applied", resume: progress };
    if (progress.stage === "creating") return reconcileCreate(ctx, opts, email);
    if (progress.stage === "stamping-unchecked")
      return {
        verdict: "unknown",
        reason: "the stamps call went out without a balance read before it",
        check: "stamp balance",
      };
    return reconcileStamps(ctx, opts, email, progress);
  },
};
