import { coupontoolsBodyCheck } from "../../membrane/body-checks";
import type { CallOutcome } from "../../membrane/outcome";
import { refText } from "../action-call";
import type { Via } from "../calls";
import { outOfRoom, roomForCall, type WalkFailure, walkPages } from "../list-pages";
import { balanceOf, userIdsByEmail } from "../records";
import { readWithRetry } from "../retry-in-attempt";
import type { ActionCall, ActionStep, RecipeContext } from "../types";

/**
 * Reading a Coupontools loyalty card for the stamps recipe: who the customer is on it, and a user's stamp
 * balance, each by the narrowest read the vendor offers. The v3 search (docs api/v3/loyalty, through the proxy
 * on either path) answers the users matching a term, whatever the card's size; it takes only a term of 3+
 * characters of `A-Z a-z 0-9 - _ @`, so an address is searched by its local part, and one whose local part
 * has other characters (a `.`, a `+`) cannot be. Otherwise the card's list is read: the list action page by
 * page, or the v3 list (whose paging is not public) in one answer. No narrower read is public: the v4 user
 * list's filter is not described, nor whether a v4 user id is the v3 one the stamps call takes.
 */

/** The options of the stamps recipe these reads use. */
export interface CardReadOptions {
  loyalty_card_id: string;
  via: Via;
  find_by: "auto" | "list";
  balance_field: string;
  list_read_limit_bytes: number;
  list_max_pages: number;
  actions: { find_user: ActionStep };
}

/** docs.coupontools.com api/v3/loyalty search: ≥ 3 characters, "Allowed characters: AZaZ09-_@". */
const SEARCH_TERM = /^[A-Za-z0-9_@-]{3,}$/;

/** The search term for an e-mail: its local part, when the search takes it. Null: the card is listed. */
export function searchTermFor(email: string): string | null {
  const local = email.slice(0, email.lastIndexOf("@"));
  return SEARCH_TERM.test(local) ? local : null;
}

/** The term these options search the e-mail by, or null when the card's list is read instead. */
const termFor = (opts: CardReadOptions, email: string) =>
  opts.find_by === "auto" ? searchTermFor(email) : null;

/** The list action's call (its input: the card; the walk adds the cursor). */
export const findUsersCall = (opts: CardReadOptions): ActionCall => ({
  step: opts.actions.find_user,
  setting: "options.actions.find_user",
  input: { loyaltyCardId: opts.loyalty_card_id },
  acceptBody: coupontoolsBodyCheck,
  readLimitBytes: opts.list_read_limit_bytes,
});

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

type Failed = WalkFailure;

/** A read's answer cut at the read limit cannot show who is not in it. */
function readOrFailure(read: CallOutcome): { body: unknown } | { failed: Failed } {
  if (read.kind !== "success") return { failed: read };
  if (read.response?.truncatedAtBytes !== undefined)
    return {
      failed: {
        kind: "missing_data",
        reason:
          `a loyalty user answer was longer than the ${read.response.truncatedAtBytes} bytes the bridge reads ` +
          "(the reaction's list_read_limit_bytes); cannot tell who is on the card, so no user is created",
      },
    };
  return { body: read.body };
}

/** The v3 search by `term`: deliveries asking at the same time share one read (types.ts shared). */
async function search(ctx: RecipeContext, opts: CardReadOptions, term: string) {
  const card = opts.loyalty_card_id;
  const read = () =>
    readWithRetry(ctx, () =>
      proxyCall(
        ctx,
        "/v3/loyaltyusers/search",
        { loyaltycard: card, search: term },
        opts.list_read_limit_bytes,
      ),
    );
  return readOrFailure(await (ctx.shared ? ctx.shared(`search:${card}:${term}`, read) : read()));
}

/**
 * The card's list, until `find` finds what it looks for in a page: the list action page by page, or the v3
 * list in one answer (proxy). `found` undefined: it is in no page. A `fallback` read (after a search that did
 * not show the user) is beyond the recipe's maxCalls: its first call, too, asks for room (types.ts canCall).
 */
async function scanCard<T>(
  ctx: RecipeContext,
  opts: CardReadOptions,
  find: (records: unknown) => T | undefined,
  fallback = false,
): Promise<{ found: T | undefined } | { failed: Failed }> {
  const card = opts.loyalty_card_id;
  if (opts.via === "action")
    return walkPages(ctx, {
      askFirst: fallback,
      call: findUsersCall(opts),
      maxPages: opts.list_max_pages,
      settings: {
        maxPages: "the reaction's list_max_pages",
        readLimit: "the reaction's list_read_limit_bytes",
      },
      find,
      shareKey: `action:${refText(opts.actions.find_user.ref)}:${card}`,
    });
  if (fallback && !roomForCall(ctx)) return { failed: outOfRoom("the loyalty user list was not read") };
  const read = () =>
    readWithRetry(ctx, () =>
      proxyCall(ctx, "/v3/loyaltyusers/list", { loyaltycard: card }, opts.list_read_limit_bytes),
    );
  const listed = readOrFailure(await (ctx.shared ? ctx.shared(`list:${card}`, read) : read()));
  return "failed" in listed ? listed : { found: find(listed.body) };
}

/** The customer's users on the card (`ids`), with the records that showed them (`records`). */
export interface OnCard {
  ids: string[];
  records: unknown;
}

/**
 * The customer's users on the card, read afresh: by search when the e-mail allows it, else from the card's
 * list, read until a page shows them (users of the e-mail on later pages are not seen). A read that cannot be
 * completed is a failure here, never "not on the card".
 */
export async function customerOnCard(
  ctx: RecipeContext,
  opts: CardReadOptions,
  email: string,
): Promise<OnCard | { failed: Failed }> {
  const term = termFor(opts, email);
  if (term !== null) {
    const found = await search(ctx, opts, term);
    return "failed" in found ? found : { ids: userIdsByEmail(found.body, email), records: found.body };
  }
  const scanned = await scanCard(ctx, opts, (records) => {
    const ids = userIdsByEmail(records, email);
    return ids.length > 0 ? { ids, records } : undefined;
  });
  return "failed" in scanned ? scanned : (scanned.found ?? { ids: [], records: [] });
}

/**
 * User `userId`'s stamp balance, and whether a read showed the user at all (`seen`; the balance may still be
 * absent from the answer). The search is tried first when the e-mail allows it; a search that does not show
 * the user falls back to the list (`searchMissed`: the user was there), so a read is never wrong for it.
 */
export async function readBalance(
  ctx: RecipeContext,
  opts: CardReadOptions,
  email: string,
  userId: string,
): Promise<{ seen: boolean; balance?: number; searchMissed?: true } | { failed: Failed }> {
  const shows = (records: unknown) => userIdsByEmail(records, email).includes(userId);
  const balance = (records: unknown) => {
    const value = balanceOf(records, userId, opts.balance_field);
    return { seen: true, ...(value !== undefined && { balance: value }) };
  };
  const term = termFor(opts, email);
  if (term !== null) {
    const found = await search(ctx, opts, term);
    if ("failed" in found) return found;
    if (shows(found.body)) return balance(found.body);
  }
  const scanned = await scanCard(
    ctx,
    opts,
    (records) => (shows(records) ? balance(records) : undefined),
    term !== null,
  );
  if ("failed" in scanned) return scanned;
  if (scanned.found === undefined) return { seen: false };
  return term === null ? scanned.found : { ...scanned.found, searchMissed: true };
}
