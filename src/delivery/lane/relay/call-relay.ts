import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../../env";
import { membraneFetch } from "../../../membrane/client";

/** How long the relay waits for Membrane (ms), set by the lane; not forwarded. */
export const RELAY_TIMEOUT_HEADER = "x-hookbridge-relay-timeout-ms";
/** Set on the relay's own answer when its call got none (the fetch error's name; the body is its message). */
export const RELAY_ERROR_HEADER = "x-hookbridge-relay-error";
/** The relay's own limit when the lane sets none: Membrane's answers are never awaited for longer. */
const FALLBACK_TIMEOUT_MS = 60_000;

/**
 * Makes Membrane calls for a lane. On the edge one Durable Object has 6 calls waiting for an answer at once
 * (relay-pool.ts), so a lane that made its own calls would run 6 at a time whatever its concurrency. Calls to
 * other Durable Objects are not among those the limit counts (developers.cloudflare.com/workers/platform/
 * limits/#simultaneous-open-connections lists fetch(), KV, Cache, R2, Queues and connect()), so the lane
 * hands each call to one of its relays, each with 6 of its own. The answer streams back as it arrives.
 */
export class CallRelay extends DurableObject<Env> {
  override async fetch(request: Request): Promise<Response> {
    const headers = new Headers(request.headers);
    const timeoutMs = Number(headers.get(RELAY_TIMEOUT_HEADER)) || FALLBACK_TIMEOUT_MS;
    headers.delete(RELAY_TIMEOUT_HEADER);
    try {
      return await membraneFetch(this.env)(request.url, {
        method: request.method,
        headers,
        body: request.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // Handed back as an answer the lane turns into the same error again: a Durable Object that throws is
      // an uncaught exception of the relay, and the lane has usually given up on this call already.
      const name = error instanceof Error ? error.name : "Error";
      return new Response(error instanceof Error ? error.message : String(error), {
        status: 502,
        headers: { [RELAY_ERROR_HEADER]: name },
      });
    }
  }
}

/** Relay `index` of a connection's lane. */
export function relayOf(
  env: Pick<Env, "RELAYS">,
  connection: string,
  index: number,
): DurableObjectStub<CallRelay> {
  const relays = env.RELAYS as DurableObjectNamespace<CallRelay>;
  return relays.get(relays.idFromName(`${connection}\u0000${index}`));
}
