import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config";
import { countingEnv, SubrequestBudget, subrequestsOf } from "../../../src/delivery/lane/subrequests";
import type { Env } from "../../../src/env";
import type { DeadLetterMessage } from "../../../src/queue/messages";
import { recordingQueue } from "../../support/recording-queue";

const bridgeEnv: Env = env;

describe("countingEnv", () => {
  it("counts each D1 round trip (a batch is one) and each queue send, and leaves the results as they were", async () => {
    let count = 0;
    // A stand-in for the queue: what is under test is the counting, not the queue.
    const deadLetters = recordingQueue<DeadLetterMessage>();
    const counted = countingEnv({ ...bridgeEnv, DEAD_LETTERS: deadLetters.queue }, () => {
      count += 1;
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
    expect(deadLetters.sent).toEqual([{ body: letter }]);
  });
});

describe("subrequestsOf", () => {
  it("bounds a delivery by its recipe's calls and a batch by its sends halved down to single records", () => {
    const { reactions } = loadConfig(bridgeEnv);
    const stamps = reactions.find((r) => r.name === "paid-order-stamps");
    const pushes = reactions.find((r) => r.name === "orders-to-ometria");
    // 6 calls at most (find, create, read, add, and a reconciling read), and 16 D1 trips, sends and action
    // definitions read.
    expect(subrequestsOf(stamps, 1)).toBe(22);
    // 100 records: 199 sends, 198 lease extensions, and each record finished on its own.
    expect(subrequestsOf(pushes, 100)).toBe(199 + 198 + 1_600);
  });
});

describe("SubrequestBudget", () => {
  it("lets an alarm's first unit go whatever it costs, then only what fits beside what was made and reserved", () => {
    const budget = new SubrequestBudget(100);
    expect(budget.fits(500)).toBe(true);
    budget.reserve(500);
    expect(budget.fits(1)).toBe(false);
    expect(budget.exhausted).toBe(true);

    budget.release(500);
    budget.restart();
    expect(budget.exhausted).toBe(false);
    budget.reserve(60);
    for (let i = 0; i < 30; i++) budget.count();
    // 30 made and 60 reserved: 10 left.
    expect(budget.fits(10)).toBe(true);
    expect(budget.room(2)).toBe(5);
    expect(budget.fits(11)).toBe(false);
    budget.release(60);
    expect(budget.fits(70)).toBe(true);
    expect(budget.room(2)).toBe(35);
  });

  it("says it is exhausted when not even one more of something fits", () => {
    const budget = new SubrequestBudget(100);
    for (let i = 0; i < 99; i++) budget.count();
    expect(budget.room(2)).toBe(0);
    expect(budget.exhausted).toBe(true);
  });
});
