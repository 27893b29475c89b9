import { z } from "zod";
import { coupontoolsBodyCheck } from "../../membrane/body-checks";
import type { CallOutcome } from "../../membrane/outcome";
import { refText, runAction } from "../action-call";
import type { Via } from "../calls";
import { balanceOf, createdId, lowestId, userIdsByEmail } from "../records";
import {
  type ActionCall,
  type ActionStep,
  missingData,
  type ReactionResult,
  type RecipeContext,
  unlessAmbiguous,
} from "../types";

/**
 * Finding, creating and linking the customer's Coupontools loyalty user, for the stamps recipe
 * (coupontools-add-stamps.ts). A create is treated as a call that may have been applied: a lost answer keeps
 * `{stage: "creating"}` with the delivery, as does a worker lost before its first checkpoint (the recipe's
 * `interrupted`: no write is needed before a create), and once the user exists but is not on the card yet
 * (proxy: create then link) `{stage: "created", userId}`. So neither makes a second user: the recipe's
 * reconcile reads the card before anything is repeated.
 */

/** The options of the stamps recipe these steps read. */
export interface LoyaltyOptions {
  loyalty_card_id: string;
  via: Via;
  create_missing_user: boolean;
  balance_field: string;
  list_read_limit_bytes: number;
  actions: { find_user: ActionStep; create_user: ActionStep };
}

/** The list action's call (its input: the card). */
export const findUsersCall = (opts: LoyaltyOptions): ActionCall => ({
  step: opts.actions.find_user,
  setting: "options.actions.find_user",
  input: { loyaltyCardId: opts.loyalty_card_id },
  acceptBody: coupontoolsBodyCheck,
  readLimitBytes: opts.list_read_limit_bytes,
});

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

/** docs.coupontools.com api/v3/loyalty search: ≥ 3 characters, "Allowed characters: AZaZ09-_@". */
const SEARCH_TERM = /^[A-Za-z0-9_@-]{3,}$/;

/**
 * A search term for the e-mail that the search accepts: its local part, when that is made of allowed
 * characters only (a full address holds a `.`, which the search does not list). Null: list the card instead.
 */
export function searchTermFor(email: string): string | null {
  const local = email.slice(0, email.lastIndexOf("@"));
  return SEARCH_TERM.test(local) ? local : null;
}

/** A v3 loyalty user password: create requires one, the customer never uses it (they sign in another way). */
function generatedPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("");
}

export const proxyCall = (
  ctx: RecipeContext,
  path: string,
  body: unknown,
  readLimitBytes?: number,
): Promise<CallOutcome> =>
  ctx.membrane.proxy({
    connectionId: ctx.connectionId,
    method: "POST",
    path,
    body,
    acceptBody: coupontoolsBodyCheck,
    ...(readLimitBytes !== undefined && { readLimitBytes }),
  });

/** An action answer's `output` (docs: `{output, actionRunId}`). */
const ActionAnswerSchema = z.object({ output: z.unknown() });
export const actionOutput = (body: unknown) => ActionAnswerSchema.safeParse(body).data?.output;

/**
 * The card's users that may be the customer: the list action, or (proxy) a search by a safe term, else the
 * card's list. Used to find the user and to read its balance. Deliveries running at the same time share one
 * read of the same list (each still gets a read started after it asked), so a backlog of orders does not list
 * the whole card twice per order.
 */
function findUsers(ctx: RecipeContext, opts: LoyaltyOptions, email: string): Promise<CallOutcome> {
  const card = opts.loyalty_card_id;
  const limit = opts.list_read_limit_bytes;
  const term = opts.via === "action" ? null : searchTermFor(email);
  const [key, read] =
    opts.via === "action"
      ? [`action:${refText(opts.actions.find_user.ref)}:${card}`, () => runAction(ctx, findUsersCall(opts))]
      : term
        ? [
            `search:${card}:${term}`,
            () => proxyCall(ctx, "/v3/loyaltyusers/search", { loyaltycard: card, search: term }, limit),
          ]
        : [`list:${card}`, () => proxyCall(ctx, "/v3/loyaltyusers/list", { loyaltycard: card }, limit)];
  return ctx.shared ? ctx.shared(key, read) : read();
}

/** The users in a findUsers answer: an action's are in its `output`. */
const usersIn = (opts: LoyaltyOptions, body: unknown) => (opts.via === "action" ? actionOutput(body) : body);

/**
 * The customer's users on the card, read afresh: `users` to look them up in, `ids` those with the e-mail. A
 * list cut at the read limit may hide the customer, so it is a failure here, never "not on the card".
 */
export async function customerOnCard(
  ctx: RecipeContext,
  opts: LoyaltyOptions,
  email: string,
): Promise<{ users: unknown; ids: string[] } | { failed: ReactionResult }> {
  const found = await findUsers(ctx, opts, email);
  if (found.kind !== "success") return { failed: found };
  if (found.response?.truncatedAtBytes !== undefined)
    return {
      failed: missingData(
        `the loyalty user list was longer than the ${found.response.truncatedAtBytes} bytes the bridge reads ` +
          "(the reaction's list_read_limit_bytes); cannot tell whether the customer is on the card, so no user " +
          "is created",
      ),
    };
  const users = usersIn(opts, found.body);
  return { users, ids: userIdsByEmail(users, email) };
}

/** The balance findUsers shows for the user, or undefined when it cannot be read. */
export async function readBalance(
  ctx: RecipeContext,
  opts: LoyaltyOptions,
  email: string,
  userId: string,
): Promise<{ balance: number | undefined } | { failed: Exclude<CallOutcome, { kind: "success" }> }> {
  const found = await findUsers(ctx, opts, email);
  if (found.kind !== "success") return { failed: found };
  return { balance: balanceOf(usersIn(opts, found.body), userId, opts.balance_field) };
}

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
  const created = await proxyCall(ctx, "/v3/loyaltyusers/create", {
    email: customer.email,
    password: generatedPassword(),
    ...(customer.first_name && { first_name: customer.first_name }),
    ...(customer.last_name && { last_name: customer.last_name }),
  });
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
  const linked = await proxyCall(ctx, "/v3/loyaltyusers/link", {
    loyaltycard: opts.loyalty_card_id,
    user: userId,
  });
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
  const created = await runAction(ctx, createUserCall(opts, customer));
  if (created.kind !== "success") return { stop: unlessAmbiguous(created, creating()) };
  const userId = createdId(actionOutput(created.body));
  return userId === undefined
    ? { stop: missingData("the create-user action answered no user id") }
    : { userId, baseline: undefined };
}

/**
 * Finds the customer's loyalty user with its balance, or puts one on the card: the user an earlier attempt
 * created (`pendingUserId`, proxy) is linked, else one is created. A new user's balance is read, not assumed
 * 0 (a card may give welcome stamps).
 */
export async function findOrCreate(
  ctx: RecipeContext,
  opts: LoyaltyOptions,
  customer: Customer,
  pendingUserId?: string,
): Promise<Found> {
  const onCard = await customerOnCard(ctx, opts, customer.email);
  if ("failed" in onCard)
    return { stop: pendingUserId === undefined ? onCard.failed : keepPending(onCard.failed, pendingUserId) };
  const existing = await chosenUser(ctx, opts, onCard.ids);
  if (existing !== undefined)
    return { userId: existing, baseline: balanceOf(onCard.users, existing, opts.balance_field) };
  if (pendingUserId === undefined && !opts.create_missing_user)
    return { stop: missingData("the customer has no loyalty card user and creation is off") };
  const created =
    pendingUserId !== undefined
      ? await linkUser(ctx, opts, pendingUserId)
      : opts.via === "action"
        ? await createByAction(ctx, opts, customer)
        : await createByProxy(ctx, opts, customer);
  if ("stop" in created) return created;
  const read = await readBalance(ctx, opts, customer.email, created.userId);
  // A failed reading stops before the stamps call; the retry finds the user and reads its balance then.
  return "failed" in read ? { stop: read.failed } : { userId: created.userId, baseline: read.balance };
}
