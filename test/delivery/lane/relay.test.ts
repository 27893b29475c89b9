import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { relayOf } from "../../../src/delivery/lane/relay/call-relay";
import { RELAY_CALLS, RelayPool, relaysFor } from "../../../src/delivery/lane/relay/relay-pool";
import { relayedFetch } from "../../../src/delivery/lane/relay/relayed-fetch";
import type { Env } from "../../../src/env";
import { MEMBRANE_API_VERSION } from "../../../src/membrane/client";
import { DEMO, emulatorClient, injectFault, recordedRequests, resetEmulator } from "../../support/emulator";

const bridgeEnv: Env = env;

describe("RelayPool", () => {
  it("gives each relay at most RELAY_CALLS calls, the least busy first, and queues the rest in order", async () => {
    const pool = new RelayPool(relaysFor(14));
    expect(relaysFor(14)).toBe(3);
    const taken = await Promise.all(Array.from({ length: 3 * RELAY_CALLS }, () => pool.acquire()));
    expect(taken.slice(0, 3)).toEqual([0, 1, 2]);
    expect(pool.busy()).toEqual([RELAY_CALLS, RELAY_CALLS, RELAY_CALLS]);

    const later: number[] = [];
    const first = pool.acquire().then((index) => later.push(index));
    const second = pool.acquire().then((index) => later.push(index));
    await Promise.resolve();
    expect(later).toEqual([]);
    pool.release(1);
    await first;
    expect(later).toEqual([1]);
    pool.release(2);
    await second;
    expect(later).toEqual([1, 2]);
    expect(pool.busy()).toEqual([RELAY_CALLS, RELAY_CALLS, RELAY_CALLS]);
  });
});

describe("relayedFetch", () => {
  it("spreads a lane's calls over its relays, never more than RELAY_CALLS waiting for headers on one", async () => {
    const waiting = new Map<number, number>();
    const most = new Map<number, number>();
    let releaseHeaders = () => {};
    const headers = new Promise<void>((resolve) => {
      releaseHeaders = resolve;
    });
    const fakeRelay = (index: number) => ({
      fetch: async () => {
        waiting.set(index, (waiting.get(index) ?? 0) + 1);
        most.set(index, Math.max(most.get(index) ?? 0, waiting.get(index) ?? 0));
        await headers;
        waiting.set(index, (waiting.get(index) ?? 0) - 1);
        return new Response("{}");
      },
    });
    const concurrency = 20;
    const fetch = relayedFetch(new RelayPool(relaysFor(concurrency)), fakeRelay, 1_000);
    const calls = Array.from({ length: 30 }, () => fetch("https://membrane.test/x", { method: "GET" }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // 4 relays of 6: 24 calls wait for headers, 6 wait for a relay.
    expect([...waiting.values()]).toEqual([6, 6, 6, 6]);
    releaseHeaders();
    const answers = await Promise.all(calls);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect([...most.values()].every((m) => m <= RELAY_CALLS)).toBe(true);
  });

  it("frees the relay's slot when headers arrive, while the body is still being read", async () => {
    let bodyController: ReadableStreamDefaultController<Uint8Array> | undefined;
    const fakeRelay = () => ({
      fetch: async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              bodyController = controller;
            },
          }),
        ),
    });
    const pool = new RelayPool(1);
    const answer = await relayedFetch(pool, fakeRelay, 1_000)("https://membrane.test/x", { method: "GET" });
    expect(pool.busy()).toEqual([0]);
    bodyController?.enqueue(new TextEncoder().encode("late"));
    bodyController?.close();
    expect(await answer.text()).toBe("late");
  });
});

describe("CallRelay, with the Membrane emulator", () => {
  beforeEach(resetEmulator);

  const relayedClient = (timeoutMs: number) =>
    emulatorClient({
      timeoutMs,
      fetch: relayedFetch(new RelayPool(2), (index) => relayOf(bridgeEnv, DEMO.ometria, index), timeoutMs),
    });

  it("makes the call as the lane would have made it, and hands back the answer", async () => {
    const records = [{ "@type": "contact", id: "c-1", email: "ada@example.com" }];
    const outcome = await relayedClient(5_000).proxy({
      connectionId: DEMO.ometria,
      method: "POST",
      path: "/push",
      body: records,
    });
    expect(outcome).toMatchObject({ kind: "success", status: 200 });
    const [request] = await recordedRequests();
    expect(request).toMatchObject({
      method: "POST",
      path: "/connections/ometria-demo/proxy/push",
      body: records,
      headers: { contentType: "application/json", membraneApiVersion: MEMBRANE_API_VERSION },
      auth: { scheme: "Bearer", kind: "jwt" },
    });
  });

  it("hands back a vendor's failure with its status, headers and body", async () => {
    await injectFault({ match: { pathPrefix: "/push" }, status: 429, retryAfterSeconds: 7 });
    const outcome = await relayedClient(5_000).proxy({
      connectionId: DEMO.ometria,
      method: "POST",
      path: "/push",
      body: [],
    });
    expect(outcome).toMatchObject({ kind: "transient", code: "rate_limited", retryAfterMs: 7_000 });
  });

  it("ends a call that gets no answer at the caller's timeout, as a timeout", async () => {
    await injectFault({ match: { pathPrefix: "/push" }, delayMs: 3_000 });
    const started = Date.now();
    const outcome = await relayedClient(300).proxy({
      connectionId: DEMO.ometria,
      method: "POST",
      path: "/push",
      body: [],
    });
    expect(outcome).toMatchObject({ kind: "transient", code: "timeout" });
    // The caller's 300 ms, not the relay's own 1,300 ms nor the 3 s delay.
    expect(Date.now() - started).toBeLessThan(1_200);
  });

  it("fails as fetch would when the relay itself gets no answer: a TimeoutError", async () => {
    await injectFault({ match: { pathPrefix: "/push" }, delayMs: 3_000 });
    const fetch = relayedFetch(new RelayPool(1), (index) => relayOf(bridgeEnv, DEMO.ometria, index), 200);
    // No signal: only the relay's own timeout (200 ms and its grace) ends the call.
    const failure = await fetch("https://membrane.test/connections/ometria-demo/proxy/push", {
      method: "POST",
      headers: { authorization: `Bearer ${DEMO.staticToken}`, "content-type": "application/json" },
      body: "[]",
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DOMException);
    expect((failure as DOMException).name).toBe("TimeoutError");
  });
});
