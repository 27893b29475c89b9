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
    expect(answers).toBeLessThanOrEqual(10);
  });

  it("keeps its concurrency through few, steady 429s and timeouts (a degraded vendor, not an overloaded one)", () => {
    // One answer in ten a 429 or a timeout, in a fixed pattern, 2,000 answers 100 ms apart.
    let speed = fullSpeed(32);
    let least = 32;
    for (let i = 0; i < 2_000; i++) {
      const code = i % 10 === 0 ? (i % 20 === 0 ? "rate_limited" : "timeout") : undefined;
      speed = adapted(speed, code ? "transient" : "success", code, i * 100, settings);
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
    const before = speed;
    expect(adapted(speed, "transient", "server_error", 99_000, { ...settings, max: 4 })).toEqual(before);
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
