import type { FetchLike } from "../../../membrane/client";
import { RELAY_ERROR_HEADER, RELAY_TIMEOUT_HEADER } from "./call-relay";
import type { RelayPool } from "./relay-pool";

/** The relay's own timeout is a little longer than the client's configured one, so the caller's decides. */
const RELAY_GRACE_MS = 1_000;

/**
 * The fetch of a lane's Membrane client: each call goes out through one of the lane's relays (call-relay.ts),
 * holding a relay slot until its response headers arrive, as the edge counts them. The caller's signal (its
 * timeout) ends the wait for headers here whatever the runtime does with it on a Durable Object call; a body
 * that then comes too slowly is cut by the relay's own timeout, and reads as a network error, not a timeout
 * (both are transient and ambiguous). A call waiting for a free relay waits whatever its signal says.
 */
export function relayedFetch(
  pool: RelayPool,
  relay: (index: number) => Pick<Fetcher, "fetch">,
  timeoutMs: number,
): FetchLike {
  return async (url, init) => {
    const index = await pool.acquire();
    try {
      const headers = new Headers(init.headers);
      headers.set(RELAY_TIMEOUT_HEADER, String(timeoutMs + RELAY_GRACE_MS));
      const call = relay(index).fetch(url, { ...init, headers });
      const answer = await untilAborted(call, init.signal).catch((error: unknown) => {
        // An answer that comes after the caller gave up is dropped unread.
        void call.then((late) => late.body?.cancel()).catch(() => undefined);
        throw error;
      });
      const failed = answer.headers.get(RELAY_ERROR_HEADER);
      if (failed !== null) throw fetchError(failed, await answer.text());
      return answer;
    } finally {
      pool.release(index);
    }
  };
}

/** The relay's fetch error as fetch throws it: a timeout is a DOMException named TimeoutError. */
function fetchError(name: string, message: string): Error {
  return name === "TimeoutError" || name === "AbortError"
    ? new DOMException(message, name)
    : new Error(message);
}

/** The promise, or a rejection with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}

/**
 * The fetch of a lane that calls Membrane itself (DELIVERY.relays = false): at most RELAY_CALLS waiting for
 * their headers at once, as the edge allows one invocation, the rest waiting for a slot here.
 */
export function directFetch(pool: RelayPool, fetch: FetchLike): FetchLike {
  return async (url, init) => {
    const index = await pool.acquire();
    try {
      return await fetch(url, init);
    } finally {
      pool.release(index);
    }
  };
}
