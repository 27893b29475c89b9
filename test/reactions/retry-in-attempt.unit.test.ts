import { describe, expect, it } from "vitest";
import type { CallOutcome } from "../../src/membrane/outcome";
import { readWithRetry, sendWithRetry } from "../../src/reactions/retry-in-attempt";
import type { RecipeContext } from "../../src/reactions/types";

const request = { method: "POST", path: "/v3/loyaltyusers/search" };
const ok: CallOutcome = { kind: "success", status: 200, source: "vendor", body: [], request, durationMs: 1 };
const failed = (code: "server_error" | "timeout" | "rate_limited", retryAfterMs?: number): CallOutcome => ({
  kind: "transient",
  code,
  reason: code,
  request,
  durationMs: 1,
  ...(retryAfterMs !== undefined && { retryAfterMs }),
});

/** Answers `outcomes` in turn; counts the reads and the waits. */
function script(outcomes: CallOutcome[], room = true, retry = readWithRetry) {
  const waits: number[] = [];
  let reads = 0;
  const ctx = { canCall: () => room } as unknown as RecipeContext;
  const run = () =>
    retry(
      ctx,
      async () => outcomes[Math.min(reads++, outcomes.length - 1)] as CallOutcome,
      async (ms) => {
        waits.push(ms);
      },
    );
  return { run, waits, reads: () => reads };
}

describe("a read retried within its attempt", () => {
  it("is tried again after a 5xx, and its success is the answer", async () => {
    const s = script([failed("server_error"), ok]);
    expect(await s.run()).toBe(ok);
    expect(s.reads()).toBe(2);
    expect(s.waits).toEqual([250]);
  });

  it("gives up after two more tries, answering the last failure", async () => {
    const s = script([failed("server_error")]);
    expect(await s.run()).toMatchObject({ kind: "transient", code: "server_error" });
    expect(s.reads()).toBe(3);
    expect(s.waits).toEqual([250, 1_000]);
  });

  it("is tried again after a 429, once its Retry-After of a second at most has passed", async () => {
    const s = script([failed("rate_limited", 1_000), failed("rate_limited", 400), ok]);
    expect(await s.run()).toBe(ok);
    expect(s.waits).toEqual([1_000, 1_000]);
  });

  it("is tried again after a timeout while the attempt has room for another call", async () => {
    const s = script([failed("timeout"), ok]);
    expect(await s.run()).toBe(ok);
    expect(s.waits).toEqual([250]);
  });

  it("is not tried again after a 429 asking a longer wait, or without room for a call", async () => {
    for (const [outcome, room] of [
      [failed("timeout"), false],
      [failed("rate_limited", 30_000), true],
      [failed("rate_limited", 1_001), true],
      [failed("server_error"), false],
    ] as const) {
      const s = script([outcome, ok], room);
      expect(await s.run()).toBe(outcome);
      expect(s.reads()).toBe(1);
    }
  });
});

describe("a call that changes the vendor's state, retried within its attempt", () => {
  it("is sent again only after a refusal (429) with a wait of a second at most", async () => {
    const s = script([failed("rate_limited", 1_000), ok], true, sendWithRetry);
    expect(await s.run()).toBe(ok);
    expect(s.waits).toEqual([1_000]);
  });

  it("is never sent again after a failure that may have been applied, nor after a long Retry-After", async () => {
    for (const outcome of [failed("server_error"), failed("timeout"), failed("rate_limited", 5_000)]) {
      const s = script([outcome, ok], true, sendWithRetry);
      expect(await s.run()).toBe(outcome);
      expect(s.reads()).toBe(1);
    }
  });

  it("gives up after two more tries", async () => {
    const s = script([failed("rate_limited")], true, sendWithRetry);
    expect(await s.run()).toMatchObject({ code: "rate_limited" });
    expect(s.reads()).toBe(3);
  });
});
