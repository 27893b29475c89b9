import { describe, expect, it } from "vitest";
import { checkedOnce, checksOnly, nextStatus } from "../../src/delivery/attempt/retry-policy";

// The retry policy, pure: what a failed attempt leaves its delivery as, once its schedule is spent too.

const NOW = 1_000_000;
const policy = { schedule: [1, 1, 1], jitter: 0, settleMs: 2_000 };
const ambiguous = {
  outcome: "transient" as const,
  errorCode: "server_error",
  error: "HTTP 500",
  durationMs: 5,
  reconcileState: '{"stage":"stamping"}',
};

describe("nextStatus once the schedule is spent", () => {
  it("retries within the schedule, an ambiguous call no sooner than the settle time", () => {
    expect(nextStatus(ambiguous, { attempt: 1, retryBase: 0 }, policy, NOW)).toMatchObject({
      status: "retrying",
      nextAttemptAt: NOW + 2_000,
    });
  });

  it("checks an ambiguous last call once more, after the settle time, rather than asking an operator", () => {
    // Three retries: attempt 4 is the schedule's last.
    const last = nextStatus(ambiguous, { attempt: 4, retryBase: 0 }, policy, NOW);
    expect(last).toMatchObject({ status: "retrying", nextAttemptAt: NOW + 2_000 });
    expect(last.outcome.reconcileState).toBe(ambiguous.reconcileState);
    expect(last.outcome.error).toMatch(/checked once more, and nothing more is sent/);
    expect([4, 5].map((n) => checksOnly(n, 0, policy.schedule))).toEqual([false, true]);
    // An operator's retry gets a whole schedule again.
    expect(checksOnly(5, 4, policy.schedule)).toBe(false);
  });

  it("leaves an ambiguous check to an operator, and a plain failure dies with the schedule", () => {
    expect(nextStatus(ambiguous, { attempt: 5, retryBase: 0 }, policy, NOW)).toMatchObject({
      status: "dead",
      outcome: { outcome: "unknown", errorCode: "outcome_unknown" },
    });
    const { reconcileState: _, ...plain } = ambiguous;
    expect(nextStatus(plain, { attempt: 4, retryBase: 0 }, policy, NOW)).toMatchObject({
      status: "dead",
      outcome: { outcome: "transient", error: "gave up after 4 attempts: HTTP 500" },
    });
  });

  it("says what a check that found nothing applied leaves: the last error, and that a retry is safe", () => {
    expect(checkedOnce({ last_error_code: "server_error" }, 5, true, 7)).toEqual({
      outcome: "permanent",
      errorCode: "server_error",
      error:
        "gave up after 4 attempts (the last: server_error); checked once more: the vendor's state was read back, and nothing more was sent, so a retry is safe",
      durationMs: 7,
    });
  });
});
