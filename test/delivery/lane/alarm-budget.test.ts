import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config";
import { AlarmBudget, type Cost, costOf, countingEnv } from "../../../src/delivery/lane/alarm-budget";
import type { Env } from "../../../src/env";
import type { DeadLetterMessage } from "../../../src/queue/messages";
import { recordingQueue } from "../../support/recording-queue";

const bridgeEnv: Env = env;

describe("countingEnv", () => {
  it("counts each D1 round trip (a batch is one) as a subrequest and each statement as a query, and each queue send, and leaves the results as they were", async () => {
    let count = 0;
    let queries = 0;
    // A stand-in for the queue: what is under test is the counting, not the queue.
    const deadLetters = recordingQueue<DeadLetterMessage>();
    const counted = countingEnv({ ...bridgeEnv, DEAD_LETTERS: deadLetters.queue }, (cost) => {
      count += cost.subrequests ?? 0;
      queries += cost.queries ?? 0;
    });
    const one = counted.DB.prepare("SELECT ?1 AS n").bind(7);
    expect(await one.first("n")).toBe(7);
    expect((await counted.DB.prepare("SELECT 1 AS n").all()).results).toEqual([{ n: 1 }]);
    const batch = await counted.DB.batch([
      counted.DB.prepare("SELECT ?1 AS n").bind(1),
      counted.DB.prepare("SELECT ?1 AS n").bind(2),
    ]);
    expect(batch.map((r) => r.results)).toEqual([[{ n: 1 }], [{ n: 2 }]]);
    expect(count).toBe(3);
    // Each statement of a batch is a query of its own (D1's limits: cloudflare-docs #17015).
    expect(queries).toBe(4);
    const letter: DeadLetterMessage = {
      kind: "dead_delivery",
      deliveryId: "d-1",
      eventId: "e-1",
      reaction: "r",
      code: "c",
      reason: "test",
    };
    await counted.DEAD_LETTERS.send(letter);
    expect(count).toBe(4);
    expect(queries).toBe(4);
    expect(deadLetters.sent).toEqual([{ body: letter }]);
  });
});

describe("costOf", () => {
  it("bounds a delivery by its recipe's calls and a batch by its sends halved down to single records", () => {
    const { reactions } = loadConfig(bridgeEnv);
    const stamps = reactions.find((r) => r.name === "paid-order-stamps");
    const pushes = reactions.find((r) => r.name === "orders-to-ometria");
    // 6 calls at most (find, create, read, add, and a reconciling read), and 16 D1 trips, sends and action
    // definitions read.
    expect(costOf(stamps, 1)).toEqual({ subrequests: 22, queries: 30 });
    // 100 records: 199 sends, 198 lease extensions, and each record finished on its own; its D1 queries: the
    // claim and the shared record (9), the extensions, and 7 for each record finished on its own.
    expect(costOf(pushes, 100)).toEqual({ subrequests: 199 + 198 + 1_600, queries: 9 + 198 + 700 });
  });
});

const calls = (subrequests: number, queries = 0): Cost => ({ subrequests, queries });

describe("AlarmBudget", () => {
  it("lets an alarm's first unit go whatever it costs, then only what fits beside what was made and reserved", () => {
    const budget = new AlarmBudget(calls(100, 1_000));
    expect(budget.fits(calls(500))).toBe(true);
    const first = budget.reserve(calls(500));
    // Only the running unit's reservation is in the way: the next one waits for it, within this alarm.
    expect(budget.fits(calls(1))).toBe(false);
    expect(budget.exhausted).toBe(false);
    budget.count({ subrequests: 100 });
    // Made: nothing more fits in this alarm, whatever ends.
    expect(budget.fits(calls(1))).toBe(false);
    expect(budget.exhausted).toBe(true);

    first.end();
    budget.restart();
    expect(budget.exhausted).toBe(false);
    const second = budget.reserve(calls(60));
    for (let i = 0; i < 30; i++) budget.count({ subrequests: 1 });
    // 30 made by others and 60 reserved: 10 left.
    expect(budget.fits(calls(10))).toBe(true);
    expect(budget.room(calls(2))).toBe(5);
    expect(budget.fits(calls(11))).toBe(false);
    second.end();
    expect(budget.fits(calls(70))).toBe(true);
    expect(budget.room(calls(2))).toBe(35);
  });

  it("takes what a unit made off what stays reserved for it, and frees the rest when it ends", () => {
    const budget = new AlarmBudget(calls(8_000, 100));
    const unit = budget.reserve(calls(10, 30));
    unit.spend({ subrequests: 1, queries: 12 });
    // 12 made, 18 still reserved: 70 left (it was 58 while a unit's queries counted twice).
    expect(budget.snapshot()).toMatchObject({ spent: calls(1, 12), reserved: calls(9, 18) });
    expect(budget.fits(calls(0, 70))).toBe(true);
    expect(budget.fits(calls(0, 71))).toBe(false);
    // Past its reservation it is counted, and nothing more is freed.
    unit.spend({ queries: 25 });
    expect(budget.snapshot()).toMatchObject({ spent: calls(1, 37), reserved: calls(9, 0) });
    unit.end();
    unit.end();
    expect(budget.snapshot()).toMatchObject({ spent: calls(1, 37), reserved: calls(0, 0) });
  });

  it("carries running units' reservations into the next alarm, which counts what they make from then on", () => {
    const budget = new AlarmBudget(calls(8_000, 100));
    const straggler = budget.reserve(calls(10, 30));
    straggler.spend({ queries: 70 - 30 }); // 40 made: past its reservation of 30, nothing of it is left
    const slow = budget.reserve(calls(10, 30));
    slow.spend({ queries: 10 });
    // 50 made and 20 reserved: 30 left in this alarm.
    expect(budget.fits(calls(0, 31))).toBe(false);
    budget.restart();
    // The new alarm made nothing yet, but 20 stay reserved for the slow unit: 80 are free, not 100.
    expect(budget.snapshot()).toMatchObject({ spent: calls(0, 0), reserved: calls(20, 20), units: 0 });
    expect(budget.fits(calls(0, 81))).toBe(false);
    expect(budget.exhausted).toBe(false);
    expect(budget.fits(calls(0, 80))).toBe(true);
    slow.spend({ queries: 5 });
    slow.end();
    expect(budget.snapshot()).toMatchObject({ spent: calls(0, 5), reserved: calls(10, 0) });
    straggler.end();
    expect(budget.snapshot().reserved).toEqual(calls(0, 0));
  });

  it("holds D1 queries to their own limit, however many subrequests are left", () => {
    const budget = new AlarmBudget(calls(8_000, 100));
    budget.reserve(calls(20, 30));
    budget.count({ subrequests: 1, queries: 40 });
    // 40 run and 30 reserved: 30 left, so a unit of 30 queries fits and one of 31 does not.
    expect(budget.fits(calls(20, 30))).toBe(true);
    expect(budget.fits(calls(1, 31))).toBe(false);
    expect(budget.room(calls(2, 10))).toBe(3);
    // A page of a list walk needs a subrequest, not a query.
    expect(budget.callRoom()).toBe(true);
  });

  it("is not exhausted while running units' reservations are what is in the way", () => {
    const budget = new AlarmBudget(calls(8_000, 950));
    // 31 stamps deliveries reserve 30 queries each, and others made 310.
    const units = Array.from({ length: 31 }, () => budget.reserve(calls(22, 30)));
    budget.count({ subrequests: 31, queries: 310 });
    expect(budget.room(calls(22, 30))).toBe(0);
    expect(budget.exhausted).toBe(false);
    // Ten end: 630 reserved and 310 made leave 10 queries, still short, still not exhausted.
    for (const unit of units.splice(0, 10)) unit.end();
    expect(budget.room(calls(22, 30))).toBe(0);
    expect(budget.exhausted).toBe(false);
    units.pop()?.end();
    expect(budget.room(calls(22, 30))).toBe(1);
  });

  it("says it is exhausted when not even one more of something fits", () => {
    const budget = new AlarmBudget(calls(100, 1_000));
    for (let i = 0; i < 99; i++) budget.count({ subrequests: 1 });
    expect(budget.room(calls(2))).toBe(0);
    expect(budget.exhausted).toBe(true);
    expect(budget.callRoom()).toBe(true);
    budget.count({ subrequests: 1 });
    expect(budget.callRoom()).toBe(false);
  });
});
