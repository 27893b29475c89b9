import { describe, expect, it } from "vitest";
import type { CallOutcome } from "../../src/membrane/outcome";
import { readWithRetry } from "../../src/reactions/read-retry";
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
function script(outcomes: CallOutcome[], room = true) {
  const waits: number[] = [];
  let reads = 0;
  const ctx = { canCall: () => room } as unknown as RecipeContext;
  const run = () =>
    readWithRetry(
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

  it("is not tried again after a timeout, a 429 asking a longer wait, or without room for a call", async () => {
    for (const [outcome, room] of [
      [failed("timeout"), true],
      [failed("rate_limited", 30_000), true],
      [failed("server_error"), false],
    ] as const) {
      const s = script([outcome, ok], room);
      expect(await s.run()).toBe(outcome);
      expect(s.reads()).toBe(1);
    }
  });
});
