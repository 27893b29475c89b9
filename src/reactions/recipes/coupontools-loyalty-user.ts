import { z } from "zod";
import { coupontoolsBodyCheck } from "../../membrane/body-checks";
import { runAction } from "../action-call";
import { outOfRoom, roomForCall } from "../list-pages";
import { balanceOf, createdId, lowestId } from "../records";
import { sendWithRetry } from "../retry-in-attempt";
import {
  type ActionCall,
  type ActionStep,
  missingData,
  type ReactionResult,
  type RecipeContext,
  unlessAmbiguous,
} from "../types";
import { type CardReadOptions, customerOnCard, proxyCall, readBalance } from "./coupontools-card-reads";

/**
 * Finding, creating and linking the customer's Coupontools loyalty user, for the stamps recipe
 * (coupontools-add-stamps.ts). A create is treated as a call that may have been applied: a lost answer keeps
 * `{stage: "creating"}` with the delivery (written before the create goes out, so a worker lost around it
 * leaves it too, and one lost before it leaves none and is run again), and once the user exists but is not on
 * the card yet
 * (proxy: create then link) `{stage: "created", userId}`. So neither makes a second user: the recipe's
 * reconcile reads the card before anything is repeated.
 */

/** The options of the stamps recipe these steps read. */
export interface LoyaltyOptions extends CardReadOptions {
  create_missing_user: boolean;
  lost_create: "operator" | "create_again";
  actions: { find_user: ActionStep; create_user: ActionStep };
}

/** Where remembered users live: one loyalty card (types.ts VendorUserMemory). */
export const cardScope = (opts: Pick<LoyaltyOptions, "loyalty_card_id">) =>
  `coupontools-loyalty-card:${opts.loyalty_card_id}`;

/** The create action's call: it creates the user on the card (the emulator's design of its input). */
export const createUserCall = (opts: LoyaltyOptions, customer: Customer): ActionCall => ({
  step: opts.actions.create_user,
  setting: "options.actions.create_user",
  input: {
    loyaltyCardId: opts.loyalty_card_id,
    email: customer.email,
    ...(customer.first_name && { firstName: customer.first_name }),
    ...(customer.last_name && { lastName: customer.last_name }),
  },
  acceptBody: coupontoolsBodyCheck,
});

export interface Customer {
  email: string;
  first_name?: string | undefined;
  last_name?: string | undefined;
}

/** The delivery's saved progress before the stamps call: ids only (src/reactions/types.ts checkpoint). */
export const CreatingSchema = z.object({ stage: z.literal("creating") });
export const CreatedSchema = z.object({ stage: z.literal("created"), userId: z.string() });
export const creating = (): z.infer<typeof CreatingSchema> => ({ stage: "creating" });

/** The loyalty user, and its stamp balance before the stamps call when the answer shows it; or why not. */
export type Found = { userId: string; baseline: number | undefined } | { stop: ReactionResult };

/** A v3 loyalty user password: create requires one, the customer never uses it (they sign in another way). */
function generatedPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("");
}

/** An action answer's `output` (docs: `{output, actionRunId}`). */
const ActionAnswerSchema = z.object({ output: z.unknown() });
export const actionOutput = (body: unknown) => ActionAnswerSchema.safeParse(body).data?.output;

/**
 * The user to go on with among the card's users of one e-mail (records.ts lowestId). Two or more are raised
 * to an operator (an alert): Coupontools documents no refusal of a second user with the same e-mail.
 */
async function chosenUser(
  ctx: RecipeContext,
  opts: LoyaltyOptions,
  ids: readonly string[],
): Promise<string | undefined> {
  const chosen = lowestId(ids);
  if (chosen !== undefined && ids.length > 1)
    await ctx.report?.({
      kind: "duplicate_loyalty_user",
      loyaltyCardId: opts.loyalty_card_id,
      chosenUserId: chosen,
      userIds: ids,
    });
  return chosen;
}

/**
 * Proxy path, v3 throughout (docs api/v3/loyalty): create (email + generated password, names as
 * first_name/last_name), then link to the card. v3 rather than v4's `POST /v4/loyalty/loyalty-cards/{id}/stats`
 * (which creates on the card in one call) because the stamps call (/v3/loyaltyusers/update) takes a v3 loyalty
 * user id, and no public page says a v4 "stats" id is one.
 */
async function createByProxy(ctx: RecipeContext, opts: LoyaltyOptions, customer: Customer): Promise<Found> {
  await ctx.checkpoint?.(creating());
  const created = await sendWithRetry(ctx, () =>
    proxyCall(ctx, "/v3/loyaltyusers/create", {
      email: customer.email,
      password: generatedPassword(),
      ...(customer.first_name && { first_name: customer.first_name }),
      ...(customer.last_name && { last_name: customer.last_name }),
    }),
  );
  if (created.kind !== "success") return { stop: unlessAmbiguous(created, creating()) };
  const userId = createdId(created.body);
  if (userId === undefined)
    return { stop: missingData("Coupontools created the user but its answer names no user id") };
  await ctx.checkpoint?.({ stage: "created", userId } satisfies z.infer<typeof CreatedSchema>);
  return linkUser(ctx, opts, userId);
}

/**
 * A stop before a created user (`pendingUserId`) is on the card: a transient one keeps the user's id with the
 * delivery, as the failed link did, so the next attempt links that user rather than creating another.
 */
function keepPending(stop: ReactionResult, userId: string): ReactionResult {
  if (stop.kind !== "transient") return stop;
  return {
    kind: "unknown",
    reason: `${stop.reason}; loyalty user ${userId} was created and is linked next, not created again`,
    outcome: stop,
    saved: { stage: "created", userId } satisfies z.infer<typeof CreatedSchema>,
  };
}

/**
 * Puts a created user on the card. A transient failure keeps the user's id with the delivery, so the next
 * attempt links this user instead of creating another (it reads the card first: the link may have landed).
 */
export async function linkUser(ctx: RecipeContext, opts: LoyaltyOptions, userId: string): Promise<Found> {
  const linked = await sendWithRetry(ctx, () =>
    proxyCall(ctx, "/v3/loyaltyusers/link", {
      loyaltycard: opts.loyalty_card_id,
      user: userId,
    }),
  );
  if (linked.kind === "success") return { userId, baseline: undefined };
  if (linked.kind === "permanent")
    return {
      stop: {
        ...linked,
        reason: `loyalty user ${userId} was created but linking it to the card failed: ${linked.reason}; link it in Coupontools (a retry would create another user)`,
      },
    };
  return {
    stop: {
      kind: "unknown",
      reason: `linking the new loyalty user ${userId} to the card failed (${linked.reason}); it is linked, not created again`,
      outcome: linked,
      saved: { stage: "created", userId } satisfies z.infer<typeof CreatedSchema>,
    },
  };
}

/**
 * Action path: the create action creates the user on the card (the action links it; whether in one vendor
 * call is not public, so a lost answer is reconciled like a proxy create).
 */
async function createByAction(ctx: RecipeContext, opts: LoyaltyOptions, customer: Customer): Promise<Found> {
  await ctx.checkpoint?.(creating());
  const created = await sendWithRetry(ctx, () => runAction(ctx, createUserCall(opts, customer)));
  if (created.kind !== "success") return { stop: unlessAmbiguous(created, creating()) };
  const userId = createdId(actionOutput(created.body));
  return userId === undefined
    ? { stop: missingData("the create-user action answered no user id") }
    : { userId, baseline: undefined };
}

/** Raised once per card (alerts.ts): the search cannot be trusted to tell who is not on it. */
function searchMissed(ctx: RecipeContext, opts: LoyaltyOptions, userId: string): Promise<void> {
  return (
    ctx.report?.({ kind: "loyalty_search_missed", loyaltyCardId: opts.loyalty_card_id, userId }) ??
    Promise.resolve()
  );
}

/**
 * The user remembered for the customer's e-mail on this card, with their balance, while a read still shows
 * them there; a remembered user gone from the card (deleted, unlinked) is forgotten and the customer looked up
 * afresh (undefined).
 */
async function rememberedOnCard(
  ctx: RecipeContext,
  opts: LoyaltyOptions,
  email: string,
): Promise<Found | undefined> {
  const memory = ctx.vendorUsers;
  const userId = await memory?.get(cardScope(opts), email);
  if (memory === undefined || userId === undefined) return undefined;
  const read = await readBalance(ctx, opts, email, userId);
  if ("failed" in read) return { stop: read.failed };
  if (read.searchMissed) await searchMissed(ctx, opts, userId);
  if (read.seen) return { userId, baseline: read.balance };
  await memory.forget(cardScope(opts), email);
  // Looking the customer up now is a read beyond the recipe's maxCalls.
  return roomForCall(ctx)
    ? undefined
    : { stop: outOfRoom("the remembered loyalty user is gone; the card was not read") };
}

/**
 * Finds the customer's loyalty user with its balance, or puts one on the card: the user remembered for the
 * e-mail (no lookup of the card), else the one the card shows, else the user an earlier attempt created
 * (`pendingUserId`, proxy) is linked, else one is created. A new user's balance is read, not assumed 0 (a
 * card may give welcome stamps). A user found or made is remembered for the customer's next order.
 */
export async function findOrCreate(
  ctx: RecipeContext,
  opts: LoyaltyOptions,
  customer: Customer,
  pendingUserId?: string,
): Promise<Found> {
  if (pendingUserId === undefined) {
    const known = await rememberedOnCard(ctx, opts, customer.email);
    if (known) return known;
  }
  const remember = (userId: string) => ctx.vendorUsers?.remember(cardScope(opts), customer.email, userId);
  const onCard = await customerOnCard(ctx, opts, customer.email);
  if ("failed" in onCard)
    return { stop: pendingUserId === undefined ? onCard.failed : keepPending(onCard.failed, pendingUserId) };
  const existing = await chosenUser(ctx, opts, onCard.ids);
  if (existing !== undefined) {
    await remember(existing);
    return { userId: existing, baseline: balanceOf(onCard.records, existing, opts.balance_field) };
  }
  if (pendingUserId === undefined && !opts.create_missing_user)
    return { stop: missingData("the customer has no loyalty card user and creation is off") };
  const created =
    pendingUserId !== undefined
      ? await linkUser(ctx, opts, pendingUserId)
      : opts.via === "action"
        ? await createByAction(ctx, opts, customer)
        : await createByProxy(ctx, opts, customer);
  if ("stop" in created) return created;
  await remember(created.userId);
  const read = await readBalance(ctx, opts, customer.email, created.userId);
  // A failed reading stops before the stamps call; the retry finds the user and reads its balance then.
  if ("failed" in read) return { stop: read.failed };
  if (read.searchMissed) await searchMissed(ctx, opts, created.userId);
  return { userId: created.userId, baseline: read.balance };
}
