import { describe, expect, it } from "vitest";
import { type Adaptive, adapted, allowed, fullSpeed } from "../../../src/delivery/lane/adaptive";

const settings = { max: 32, min: 1, holdMs: 1_000 };

describe("a lane's adaptive concurrency", () => {
  it("halves on a 429 or a timeout, once per hold: the calls already out answer from the same overload", () => {
    let speed: Adaptive = fullSpeed(32);
    speed = adapted(speed, "transient", "rate_limited", 10_000, settings);
    expect(allowed(speed, 32)).toBe(16);
    // Another 429 within the hold does not cut again.
    speed = adapted(speed, "transient", "rate_limited", 10_500, settings);
    expect(allowed(speed, 32)).toBe(16);
    speed = adapted(speed, "transient", "timeout", 11_000, settings);
    expect(allowed(speed, 32)).toBe(8);
  });

  it("never cuts below its least, nor on failures that say nothing of load", () => {
    let speed: Adaptive = fullSpeed(4);
    for (let i = 0; i < 10; i++)
      speed = adapted(speed, "transient", "timeout", i * 2_000, { ...settings, max: 4 });
    expect(allowed(speed, 4)).toBe(1);
    const before = speed.limit;
    speed = adapted(speed, "transient", "server_error", 99_000, { ...settings, max: 4 });
    expect(speed.limit).toBe(before);
  });

  it("grows back by about one per round of answered calls, up to the configured concurrency", () => {
    let speed: Adaptive = { limit: 4, cutAt: 0 };
    // Four answers at a limit of 4: one more.
    for (let i = 0; i < 4; i++) speed = adapted(speed, "success", undefined, 5_000, settings);
    expect(allowed(speed, 32)).toBeGreaterThanOrEqual(4);
    expect(speed.limit).toBeCloseTo(4.9, 1);
    // A permanent failure is an answer too.
    for (let i = 0; i < 2_000; i++)
      speed = adapted(speed, i % 2 ? "success" : "permanent", "bad_request", 5_000, settings);
    expect(allowed(speed, 32)).toBe(32);
  });
});
