import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { rollUpAttemptHours } from "../../src/store/attempt-hours";
import {
  connectionActivity,
  HOUR_MS,
  HOURS,
  routeActivity,
  windowStart,
} from "../../src/store/hourly-activity";
import { rowsReadCounter, seedAttempt, seedDelivery, seedEvent } from "../support/seed-rows";

// Names of their own, so rows other tests of this file's storage write cannot change the counts.
const ROUTE = "chart-route";
const CONNECTION = "chart-connection";
const NOW = Date.UTC(2026, 11, 6, 15, 30);
const START = windowStart(NOW);
/** An hour of the window, `slot` 0 being the oldest. */
const hour = (slot: number, minute = 10) => START + slot * HOUR_MS + minute * 60_000;

const OLD_EVENTS = 300;

beforeAll(async () => {
  // In the window: 3 events in the oldest hour (1 failed), 2 in hour 20, 1 in the current hour.
  const inWindow: [number, string][] = [
    [0, "done"],
    [0, "failed"],
    [0, "done"],
    [20, "done"],
    [20, "failed"],
    [23, "done"],
  ];
  for (const [i, [slot, status]] of inWindow.entries()) {
    await seedEvent(`chart-${i}`, ROUTE, hour(slot, i), status);
  }
  // Hour 0: four finished calls (100..400 ms) and one still in flight; hour 23: one transient failure.
  const a = await seedDelivery({ eventId: "chart-0", reaction: "r", connection: CONNECTION, at: hour(0) });
  const b = await seedDelivery({ eventId: "chart-1", reaction: "r", connection: CONNECTION, at: hour(0) });
  const c = await seedDelivery({ eventId: "chart-5", reaction: "r", connection: CONNECTION, at: hour(23) });
  await seedAttempt(a, 1, hour(0, 1), "success", 400);
  await seedAttempt(a, 2, hour(0, 2), "success", 100);
  await seedAttempt(b, 1, hour(0, 3), "permanent", 300);
  await seedAttempt(b, 2, hour(0, 4), "success", 200);
  await seedAttempt(b, 3, hour(0, 5), null, null);
  await seedAttempt(c, 1, hour(23, 20), "transient", 1500);
  // A day older than the window, with an attempt each: never read.
  for (let i = 0; i < OLD_EVENTS; i++) {
    await seedEvent(`chart-old-${i}`, ROUTE, START - HOUR_MS * 30 + i, "failed");
    const old = await seedDelivery({
      eventId: `chart-old-${i}`,
      reaction: "r",
      connection: CONNECTION,
      at: 0,
    });
    await seedAttempt(old, 1, START - HOUR_MS * 30 + i, "permanent", 9_999);
  }
});

describe("routeActivity", () => {
  it("counts each route's events received and failed per hour of the last 24 h, reading only the window", async () => {
    const counter = rowsReadCounter(env.DB);
    const activity = await routeActivity(counter.db, NOW);
    const route = activity[ROUTE];
    expect(route?.received).toHaveLength(HOURS);
    expect(route?.received[0]).toBe(3);
    expect(route?.failed[0]).toBe(1);
    expect(route?.received[20]).toBe(2);
    expect(route?.failed[20]).toBe(1);
    expect(route?.received[23]).toBe(1);
    expect(route?.received.reduce((s, n) => s + n, 0)).toBe(6);
    // 6 events in the window, 300 before it: the index range keeps the old ones unread.
    console.log(
      `routeActivity rows read: ${counter.rowsRead()} (6 events in the window, ${OLD_EVENTS} before)`,
    );
    expect(counter.rowsRead()).toBeLessThanOrEqual(3 * 6);
  });
});

describe("connectionActivity", () => {
  it("counts attempts by outcome per hour, with the hour's p50 and p95 call time, reading only the window", async () => {
    const counter = rowsReadCounter(env.DB);
    const activity = await connectionActivity(counter.db, NOW);
    const connection = activity[CONNECTION];
    expect(connection?.outcomes.success[0]).toBe(3);
    expect(connection?.outcomes.permanent[0]).toBe(1);
    expect(connection?.outcomes.transient[23]).toBe(1);
    expect(connection?.outcomes.success.reduce((s, n) => s + n, 0)).toBe(3);
    // Nearest rank over 100, 200, 300, 400 ms: p50 is the 2nd, p95 the 4th; the call in flight has no time.
    expect(connection?.p50[0]).toBe(200);
    expect(connection?.p95[0]).toBe(400);
    expect(connection?.p50[23]).toBe(1500);
    expect(connection?.p50.filter((v) => v !== null)).toHaveLength(2);
    console.log(
      `connectionActivity rows read: ${counter.rowsRead()} (6 attempts in the window, ${OLD_EVENTS} before)`,
    );
    expect(counter.rowsRead()).toBeLessThanOrEqual(10 * 6);
  });
});

describe("rollUpAttemptHours", () => {
  // After the tests above: they read the window live; the roll-up must not change a single figure.
  it("stores the finished hours so the charts read them instead of every attempt, with the same figures", async () => {
    const live = rowsReadCounter(env.DB);
    const before = await connectionActivity(live.db, NOW);

    // Every hour of the window but the current one has ended more than a lease (2 min) ago.
    expect(await rollUpAttemptHours(env.DB, NOW, 120_000)).toBe(HOURS - 1);
    expect(await rollUpAttemptHours(env.DB, NOW, 120_000)).toBe(0);
    const rolled = rowsReadCounter(env.DB);
    const after = await connectionActivity(rolled.db, NOW);
    expect(after).toEqual(before);
    console.log(
      `connectionActivity rows read: live ${live.rowsRead()}, after the roll-up ${rolled.rowsRead()}`,
    );
    // The rolled hours are a few rows each; only the current hour's one attempt is read live.
    expect(rolled.rowsRead()).toBeLessThan(live.rowsRead() / 2);

    // An hour later, the next finished hour is added and the oldest falls out of the window.
    const later = NOW + HOUR_MS;
    expect(await rollUpAttemptHours(env.DB, later, 120_000)).toBe(1);
    const next = await connectionActivity(env.DB, later);
    expect(next[CONNECTION]?.outcomes.transient[22]).toBe(1);
    expect(next[CONNECTION]?.p50[22]).toBe(1500);
    expect(next[CONNECTION]?.outcomes.success.reduce((s, n) => s + n, 0)).toBe(0);
  });
});
