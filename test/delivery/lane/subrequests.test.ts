import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config";
import { countingEnv, subrequestsOf } from "../../../src/delivery/lane/subrequests";
import type { Env } from "../../../src/env";

const bridgeEnv = env as unknown as Env;

describe("countingEnv", () => {
  it("counts each D1 round trip (a batch is one) and each queue send, and leaves the results as they were", async () => {
    let count = 0;
    const sent: unknown[] = [];
    // A stand-in for the queue: what is under test is the counting, not the queue.
    const deadLetters = {
      send: async (body: unknown) => void sent.push(body),
    } as unknown as Env["DEAD_LETTERS"];
    const counted = countingEnv({ ...bridgeEnv, DEAD_LETTERS: deadLetters }, () => {
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
    await counted.DEAD_LETTERS.send({ deliveryId: "d-1" } as never);
    expect(count).toBe(4);
    expect(sent).toEqual([{ deliveryId: "d-1" }]);
  });
});

describe("subrequestsOf", () => {
  it("bounds a delivery by its recipe's calls and a batch by its sends halved down to single records", () => {
    const { reactions } = loadConfig(bridgeEnv);
    const stamps = reactions.find((r) => r.name === "paid-order-stamps");
    const pushes = reactions.find((r) => r.name === "orders-to-ometria");
    // 6 calls at most (find, create, read, add, and a reconciling read), and 12 D1 trips and sends.
    expect(subrequestsOf(stamps, 1)).toBe(18);
    // 100 records: 199 sends, 198 lease extensions, and each record finished on its own.
    expect(subrequestsOf(pushes, 100)).toBe(199 + 198 + 1_200);
  });
});
