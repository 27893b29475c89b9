import { describe, expect, it } from "vitest";
import { retryDelayMs } from "../../src/delivery/backoff";

const schedule = [10, 60, 300];

describe("retryDelayMs", () => {
  it("follows the schedule without jitter and stops after its last entry", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(schedule, n, { jitter: 0 }))).toEqual([
      10_000,
      60_000,
      300_000,
      null,
    ]);
  });

  it("spreads each delay by at most the jitter fraction either way", () => {
    expect(retryDelayMs(schedule, 2, { jitter: 0.2, random: () => 0 })).toBe(48_000);
    expect(retryDelayMs(schedule, 2, { jitter: 0.2, random: () => 0.5 })).toBe(60_000);
    expect(retryDelayMs(schedule, 2, { jitter: 0.2, random: () => 0.999999 })).toBe(72_000);
  });

  it("waits at least as long as the vendor's Retry-After", () => {
    expect(retryDelayMs(schedule, 1, { jitter: 0, retryAfterMs: 45_000 })).toBe(45_000);
    expect(retryDelayMs(schedule, 1, { jitter: 0, retryAfterMs: 2_000 })).toBe(10_000);
  });
});
