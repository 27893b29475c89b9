import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { throttleOf } from "../../src/admin/auth-throttle";

// The real Durable Object; time is passed in, so the window is crossed without waiting.

const rule = { maxFailures: 3, windowMs: 60_000 };
const throttle = () => throttleOf(env, `unit-${crypto.randomUUID()}`);

it("blocks after maxFailures failures within the window, until the oldest leaves it", async () => {
  const t = throttle();
  const start = 1_000_000;
  expect(await t.check(rule, start)).toEqual({ blocked: false, retryAfterMs: 0 });
  expect(await t.recordFailure(rule, start)).toEqual({ blocked: false, retryAfterMs: 0 });
  await t.recordFailure(rule, start + 10_000);
  expect(await t.recordFailure(rule, start + 20_000)).toEqual({ blocked: true, retryAfterMs: 40_000 });
  expect(await t.check(rule, start + 59_999)).toEqual({ blocked: true, retryAfterMs: 1 });
  // The first failure has left the window: one more attempt is allowed, and its failure blocks again.
  expect(await t.check(rule, start + 60_000)).toEqual({ blocked: false, retryAfterMs: 0 });
  expect(await t.recordFailure(rule, start + 60_000)).toEqual({ blocked: true, retryAfterMs: 10_000 });
  expect(await t.check(rule, start + 200_000)).toEqual({ blocked: false, retryAfterMs: 0 });
});

it("counts each client apart", async () => {
  const [a, b] = [throttle(), throttle()];
  for (let i = 0; i < 3; i++) await a.recordFailure(rule, 5_000 + i);
  expect((await a.check(rule, 5_010)).blocked).toBe(true);
  expect((await b.check(rule, 5_010)).blocked).toBe(false);
});
