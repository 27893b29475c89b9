import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ConnectionLane } from "../../../src/delivery/lane/connection-lane";
import { type LaneItem, LaneWork } from "../../../src/delivery/lane/work";

// The lane's index of its work (SQLite in the Durable Object), on a lane of its own that nothing else wakes.

const ENTITY = "loyalty-user:card-1:0f0f";
const item = (deliveryId: string, reaction: string, seq: number, entity = ENTITY): LaneItem => ({
  deliveryId,
  reaction,
  eventId: `event-${deliveryId}`,
  dueAt: 0,
  entity,
  seq,
});

function withWork(name: string, test: (work: LaneWork) => void): Promise<void> {
  const lane = (env.LANES as DurableObjectNamespace<ConnectionLane>).getByName(name);
  return runInDurableObject(lane, (_, state) => test(new LaneWork(state.storage.sql)));
}

describe("lane work", () => {
  it("serializes one entity across reactions: two stamp reactions on one card never run one customer at once", () =>
    withWork("work-serialize-across-reactions", (work) => {
      const serializing = ["stamps-a", "stamps-b"];
      work.add([
        item("1", "stamps-a", 1),
        item("2", "stamps-b", 2),
        item("3", "stamps-a", 3, "loyalty-user:card-1:other"),
      ]);
      const ids = () => work.eligible(10, 10, serializing).map((i) => i.deliveryId);
      // The entity's oldest goes first, whichever reaction wrote it; another customer is not held up.
      expect(ids()).toEqual(["1", "3"]);
      work.markRunning(["1", "3"]);
      expect(ids()).toEqual([]);
      work.remove("1");
      expect(ids()).toEqual(["2"]);
    }));

  it("holds an entity while it runs for any reaction, but supersedes only within a reaction", () =>
    withWork("work-supersede-per-reaction", (work) => {
      work.add([
        item("1", "push-a", 1, "order:9"),
        item("2", "push-b", 2, "order:9"),
        item("3", "push-a", 3, "order:9"),
      ]);
      // 1 is older than 3 of its own reaction: superseded. 2 is another reaction's, and older than 3: not.
      expect(work.superseded(["push-a", "push-b"], 10).map((i) => i.deliveryId)).toEqual(["1"]);
      work.remove("1");
      work.markRunning(["3"]);
      expect(work.eligible(10, 10, []).map((i) => i.deliveryId)).toEqual([]);
    }));
});
