import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { prepareLane } from "../../../src/delivery/lane/lane-context";
import { RelayPool } from "../../../src/delivery/lane/relay/relay-pool";
import { directFetch } from "../../../src/delivery/lane/relay/relayed-fetch";
import type { Env } from "../../../src/env";
import { DEMO, recordedRequests, resetEmulator } from "../../support/emulator";

// DELIVERY.relays = false: a lane calls Membrane itself, at most 6 calls waiting for headers at once (what one
// invocation may hold open), instead of through its relay objects; each call still counts in its alarm.

const bridgeEnv: Env = env;

beforeEach(resetEmulator);

describe("a lane without relays", () => {
  it("calls Membrane directly, and counts each call as a subrequest of its alarm", async () => {
    const direct = { ...bridgeEnv, DELIVERY: { ...(bridgeEnv.DELIVERY as object), relays: false } };
    const seen: string[] = [];
    const { ctx, budget } = prepareLane(direct, DEMO.coupontools, (o) => seen.push(o.kind));
    const outcome = await ctx.membrane.proxy({
      connectionId: DEMO.coupontools,
      method: "POST",
      path: "/v3/loyaltyusers/search",
      body: { loyaltycard: "demo-card", search: "nobody-here" },
    });
    expect(outcome).toMatchObject({ kind: "success", status: 200 });
    expect(budget.snapshot().spent).toEqual({ subrequests: 1, queries: 0 });
    // The lane's breaker and concurrency are told each call's outcome.
    expect(seen).toEqual(["success"]);
    expect((await recordedRequests()).map((r) => r.vendorPath)).toEqual(["/v3/loyaltyusers/search"]);
  });

  it("holds a seventh call until one of six has its headers", async () => {
    const started: number[] = [];
    const answers: Array<() => void> = [];
    const fetch = directFetch(new RelayPool(1), async () => {
      started.push(started.length);
      await new Promise<void>((resolve) => answers.push(resolve));
      return new Response("{}");
    });
    const calls = Array.from({ length: 7 }, () => fetch("https://membrane.test/x", { method: "GET" }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).toHaveLength(6);
    answers.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).toHaveLength(7);
    for (const answer of answers) answer();
    await Promise.all(calls);
  });
});
