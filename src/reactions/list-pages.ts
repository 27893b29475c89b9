import { z } from "zod";
import type { CallOutcome } from "../membrane/outcome";
import { runAction } from "./action-call";
import { recordsIn } from "./records";
import { readWithRetry } from "./retry-in-attempt";
import type { ActionCall, ReactionResult, RecipeContext } from "./types";

/**
 * Membrane list actions answer `{records, cursor}` page by page; the next page is asked for with the cursor
 * in the input (membrane.md: "follow `cursor` to the end"). A workspace whose list action answers another
 * shape is read as one page (records.ts finds the records wherever they are).
 */
const PageSchema = z.object({ records: z.array(z.unknown()), cursor: z.string().min(1).nullish() });
const ActionAnswerSchema = z.object({ output: z.unknown() });

/** One page of a list action's answer: its records, and the cursor of the next page if there is one. */
export function pageOf(body: unknown): { records: unknown[]; cursor?: string } {
  const output = ActionAnswerSchema.safeParse(body).data?.output;
  const page = PageSchema.safeParse(output);
  if (!page.success) return { records: recordsIn(output) };
  return { records: page.data.records, ...(page.data.cursor && { cursor: page.data.cursor }) };
}

export interface PageWalk<T> {
  /** The list action's call; the walk adds `cursor` to its input from the second page on. */
  call: ActionCall;
  /** Pages read at most: past them the walk fails rather than call the list complete. */
  maxPages: number;
  /** Where the operator sets maxPages and the call's read limit, named in failures. */
  settings: { maxPages: string; readLimit: string };
  /** What the walk looks for in a page; the first page that has it ends the walk. */
  find(records: readonly unknown[]): T | undefined;
  /** Runs a page's read once for every delivery asking for the same page at the same time (types.ts shared). */
  shareKey?: string;
  /**
   * Whether the first page, too, asks for room (types.ts canCall): pages after it always do; the first is one
   * of the recipe's `maxCalls` unless the walk is a fallback beyond them.
   */
  askFirst?: boolean;
}

export type WalkFailure = Exclude<ReactionResult, { kind: "success" }>;
export type WalkResult<T> = { found: T | undefined; pages: number } | { failed: WalkFailure };

/** A page read cut at the read limit: what it did not show cannot be told. */
const cutPage = (bytes: number, setting: string): WalkFailure => ({
  kind: "missing_data",
  reason: `a page of the list was longer than the ${bytes} bytes the bridge reads (${setting}); it was not read to the end`,
});

/**
 * Reads a list action page by page until `find` finds what it looks for, or the list ends (`found` undefined:
 * it is in none of the pages). A walk is never called complete when it is not: past `maxPages`, a cut page,
 * a cursor that does not move, or no room left for another call in this attempt (its lease or the lane
 * alarm's subrequests: `ctx.canCall`, asked before each page after the first) each fail it, so "not in the
 * list" always means every page was read.
 */
export async function walkPages<T>(ctx: RecipeContext, walk: PageWalk<T>): Promise<WalkResult<T>> {
  let cursor: string | undefined;
  for (let pages = 1; ; pages += 1) {
    if (pages > walk.maxPages)
      return {
        failed: {
          kind: "missing_data",
          reason: `the list has more than ${walk.maxPages} pages (${walk.settings.maxPages}); it was not read to the end`,
        },
      };
    if ((pages > 1 || walk.askFirst) && !roomForCall(ctx))
      return { failed: outOfRoom(`the list walk stopped after ${pages - 1} page(s)`) };
    const read = await readPage(ctx, walk, cursor);
    if (read.kind !== "success") return { failed: read };
    if (read.response?.truncatedAtBytes !== undefined)
      return { failed: cutPage(read.response.truncatedAtBytes, walk.settings.readLimit) };
    const page = pageOf(read.body);
    const found = walk.find(page.records);
    if (found !== undefined) return { found, pages };
    if (page.cursor === undefined) return { found: undefined, pages };
    if (page.cursor === cursor)
      return {
        failed: {
          kind: "missing_data",
          reason: "the list action answered the same cursor twice; its pages cannot be followed",
        },
      };
    cursor = page.cursor;
  }
}

function readPage<T>(
  ctx: RecipeContext,
  walk: PageWalk<T>,
  cursor: string | undefined,
): Promise<CallOutcome> {
  const input = walk.call.input as Record<string, unknown>;
  const call = cursor === undefined ? walk.call : { ...walk.call, input: { ...input, cursor } };
  const read = () => readWithRetry(ctx, () => runAction(ctx, call));
  if (!walk.shareKey || !ctx.shared) return read();
  return ctx.shared(`${walk.shareKey}\u0000${cursor ?? ""}`, read);
}

/** Whether the attempt has room for one more call (types.ts canCall); always outside the engine. */
export const roomForCall = (ctx: RecipeContext) => ctx.canCall?.() ?? true;

/** No room for another read in this attempt: a transient stop, tried again by the next attempt. */
export function outOfRoom(what: string): WalkFailure {
  return {
    kind: "transient",
    code: "busy",
    reason: `${what}: this attempt's lease or its lane's subrequests ran short`,
    request: { method: "-", path: "(list walk)" },
    durationMs: 0,
  };
}
