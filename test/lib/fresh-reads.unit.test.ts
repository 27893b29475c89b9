import { describe, expect, it } from "vitest";
import { FreshReads } from "../../src/lib/fresh-reads";

/** A read that resolves when the test says, counting how many were started. */
function controlledReads() {
  const started: Array<(value: number) => void> = [];
  const read = () => new Promise<number>((resolve) => started.push(resolve));
  return { started, read };
}

describe("FreshReads", () => {
  it("serves callers arriving during a read with one next read, started after the first ends", async () => {
    const reads = new FreshReads();
    const { started, read } = controlledReads();
    const first = reads.read("card", read);
    const second = reads.read("card", read);
    const third = reads.read("card", read);
    expect(started).toHaveLength(1);
    started[0]?.(1);
    await expect(first).resolves.toBe(1);
    // The late callers never get the answer of a read that started before they asked.
    await Promise.resolve();
    expect(started).toHaveLength(2);
    started[1]?.(2);
    await expect(second).resolves.toBe(2);
    await expect(third).resolves.toBe(2);
  });

  it("keeps different keys apart and starts afresh once nothing is in flight", async () => {
    const reads = new FreshReads();
    const { started, read } = controlledReads();
    const a = reads.read("a", read);
    const b = reads.read("b", read);
    expect(started).toHaveLength(2);
    started[0]?.(10);
    started[1]?.(20);
    await expect(a).resolves.toBe(10);
    await expect(b).resolves.toBe(20);
    const again = reads.read("a", read);
    expect(started).toHaveLength(3);
    started[2]?.(30);
    await expect(again).resolves.toBe(30);
  });

  it("hands a failed read's error to its callers, and the waiting ones still get their own read", async () => {
    const reads = new FreshReads();
    let calls = 0;
    const failing = () => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error("503")) : Promise.resolve(calls);
    };
    const first = reads.read("card", failing);
    const second = reads.read("card", failing);
    await expect(first).rejects.toThrow("503");
    await expect(second).resolves.toBe(2);
  });
});
