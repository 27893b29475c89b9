import type { CallOutcome } from "../membrane/outcome";
import type { RecipeContext } from "./types";

/** The waits before a read is tried again within its attempt. */
const READ_RETRY_WAITS_MS = [250, 1_000] as const;
/** The longest Retry-After a read or a refused call waits for within its attempt. */
const REFUSED_WAIT_MAX_MS = 1_000;

/**
 * A read (finding the customer, a page of the card, the balance) whose answer was a transient failure is tried
 * again within its attempt, twice, after 250 ms and 1 s, while the attempt has room for a call (`canCall`): a
 * flaky vendor's read then costs a second, not the whole attempt and its backoff. Reads only: they change
 * nothing, so a repeat is harmless. A 429 is tried again after its Retry-After when that is a second at most,
 * not a longer one (the attempt's retry honours it). A timeout too: `canCall` says whether another call's
 * timeout still fits in the attempt's lease (attempt/recipe-run.ts), so it never holds the attempt past it.
 */
export async function readWithRetry(
  ctx: RecipeContext,
  read: () => Promise<CallOutcome>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<CallOutcome> {
  let outcome = await read();
  for (const backoff of READ_RETRY_WAITS_MS) {
    if (outcome.kind !== "transient" || outcome.code === "busy") return outcome;
    // A 429's Retry-After is waited for when it is short (it once ended the attempt at any Retry-After
    // above 250 ms: most of the soak's rate_limited failures were reads asked to wait a second).
    const wait = Math.max(backoff, outcome.retryAfterMs ?? 0);
    if (wait > REFUSED_WAIT_MAX_MS) return outcome;
    if (!(ctx.canCall?.() ?? true)) return outcome;
    await sleep(wait);
    outcome = await read();
  }
  return outcome;
}

/**
 * A call that changes the vendor's state (a create, a link, the stamps) refused before anything was done (429,
 * rate_limited: Membrane's limit, or the vendor's, refuses before it acts; types.ts NOT_APPLIED) is sent again
 * within its attempt, twice at most, after its Retry-After (at most a second; a longer one is left to the
 * attempt's retry), while the attempt has room. Only a refusal: a failure that may have been applied is
 * reconciled, never repeated here.
 */
export async function sendWithRetry(
  ctx: RecipeContext,
  send: () => Promise<CallOutcome>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<CallOutcome> {
  let outcome = await send();
  for (let tries = 0; tries < 2; tries++) {
    if (outcome.kind !== "transient" || outcome.code !== "rate_limited") return outcome;
    const wait = Math.max(READ_RETRY_WAITS_MS[0], outcome.retryAfterMs ?? 0);
    if (wait > REFUSED_WAIT_MAX_MS || !(ctx.canCall?.() ?? true)) return outcome;
    await sleep(wait);
    outcome = await send();
  }
  return outcome;
}
