import { describe, expect, it } from "vitest";
import {
  type Adaptive,
  adapted,
  allowed,
  fullSpeed,
  OVERLOAD_SHARE,
} from "../../../src/delivery/lane/adaptive";

const settings = { max: 32, min: 1, holdMs: 1_000 };
/** A lane whose recent answers were all 429s: its overload share is high. */
const shedding = (limit: number): Adaptive => ({ limit, cutAt: Number.NEGATIVE_INFINITY, overload: 1 });

describe("a lane's adaptive concurrency", () => {
  it("halves on a 429 or a timeout while many answers are, once per hold", () => {
    let speed = shedding(32);
    speed = adapted(speed, "transient", "rate_limited", 10_000, settings);
    expect(allowed(speed, 32)).toBe(16);
    // Another 429 within the hold does not cut again.
    speed = adapted(speed, "transient", "rate_limited", 10_500, settings);
    expect(allowed(speed, 32)).toBe(16);
    speed = adapted(speed, "transient", "timeout", 11_000, settings);
    expect(allowed(speed, 32)).toBe(8);
  });

  it("a vendor that starts shedding load is cut within a few dozen answers", () => {
    let speed = fullSpeed(32);
    let answers = 0;
    while (allowed(speed, 32) === 32 && answers < 100) {
      speed = adapted(speed, "transient", "rate_limited", answers * 2_000, settings);
      answers += 1;
    }
    expect(allowed(speed, 32)).toBe(16);
    // The share passes OVERLOAD_SHARE (0.25) after 15 answers in a row.
    expect(answers).toBeLessThanOrEqual(20);
  });

  it("keeps its concurrency through 30 % random faults, a third of them 429s and timeouts (degraded, not overloaded)", () => {
    // A seeded sequence (Park-Miller), 5,000 calls 10 ms apart: 0.067 429s, 0.033 timeouts, 0.2 5xx.
    let seed = 7;
    const random = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    let speed = fullSpeed(32);
    let least = 32;
    for (let i = 0; i < 5_000; i++) {
      const x = random();
      const code = x < 0.067 ? "rate_limited" : x < 0.1 ? "timeout" : x < 0.3 ? "server_error" : undefined;
      speed = adapted(speed, code ? "transient" : "success", code, i * 10, settings);
      least = Math.min(least, allowed(speed, 32));
    }
    expect(speed.overload).toBeLessThan(OVERLOAD_SHARE);
    expect(least).toBe(32);
  });

  it("never cuts below its least, nor on failures that say nothing of load", () => {
    let speed = shedding(4);
    for (let i = 0; i < 10; i++)
      speed = adapted(speed, "transient", "timeout", i * 2_000, { ...settings, max: 4 });
    expect(allowed(speed, 4)).toBe(1);
    const after = adapted(speed, "transient", "server_error", 99_000, { ...settings, max: 4 });
    expect(after.limit).toBe(speed.limit);
  });

  it("grows back by about one per round of answered calls, up to the configured concurrency", () => {
    let speed: Adaptive = { limit: 4, cutAt: 0, overload: 0 };
    for (let i = 0; i < 4; i++) speed = adapted(speed, "success", undefined, 5_000, settings);
    expect(speed.limit).toBeCloseTo(4.9, 1);
    // A permanent failure is an answer too.
    for (let i = 0; i < 2_000; i++)
      speed = adapted(speed, i % 2 ? "success" : "permanent", "bad_request", 5_000, settings);
    expect(allowed(speed, 32)).toBe(32);
  });
});
