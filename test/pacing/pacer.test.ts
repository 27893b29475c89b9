import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { reserveSlot } from "../../src/pacing/pacer";

const rule = { key: "test-limit", limit: 6, per_seconds: 60 };

it("hands concurrent callers distinct slots, evenly spaced, so no minute holds more than the limit", async () => {
  const now = 1_000_000;
  const slots = await Promise.all(
    Array.from({ length: 13 }, () => reserveSlot(env.PACER, "conn-a", rule, now)),
  );
  expect([...slots].sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => now + i * 10_000));
});

it("keeps one schedule per connection and limit", async () => {
  const now = 2_000_000;
  expect(await reserveSlot(env.PACER, "conn-b", rule, now)).toBe(now);
  expect(await reserveSlot(env.PACER, "conn-c", rule, now)).toBe(now);
  expect(await reserveSlot(env.PACER, "conn-b", { ...rule, key: "other" }, now)).toBe(now);
  expect(await reserveSlot(env.PACER, "conn-b", rule, now)).toBe(now + 10_000);
});

it("does not bank unused capacity: after a quiet spell the next slot is now", async () => {
  await reserveSlot(env.PACER, "conn-d", rule, 3_000_000);
  expect(await reserveSlot(env.PACER, "conn-d", rule, 4_000_000)).toBe(4_000_000);
});
