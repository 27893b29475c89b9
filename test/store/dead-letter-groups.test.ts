import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEAD_LETTERS_GROUPED, deadLetterGroups } from "../../src/store/dead-letter-groups";
import { rowsReadCounter, seedDelivery, seedEvent } from "../support/seed-rows";

const NOW = Date.UTC(2026, 11, 6, 15, 0);
const DAY = 86_400_000;

describe("deadLetterGroups", () => {
  it("groups dead deliveries by reaction and code with first and last seen and the last day's count", async () => {
    const dead = [
      ["stamps", "bad_request", NOW - 3 * DAY],
      ["stamps", "bad_request", NOW - 2 * 3_600_000],
      ["stamps", "bad_request", NOW - 60_000],
      ["stamps", null, NOW - 2 * DAY],
      ["push", "server_error", NOW - 5 * 60_000],
    ] as const;
    for (const [i, [reaction, code, at]] of dead.entries()) {
      await seedEvent(`dead-${i}`, "kooomo", at - 1000);
      await seedDelivery({
        eventId: `dead-${i}`,
        reaction,
        connection: "c",
        status: "dead",
        at,
        ...(code && { errorCode: code }),
      });
    }
    // Neither a delivery still retrying nor one whose event an erasure redacted counts.
    await seedEvent("alive", "kooomo", NOW);
    await seedDelivery({
      eventId: "alive",
      reaction: "stamps",
      connection: "c",
      status: "retrying",
      at: NOW,
    });
    await seedEvent("redacted", "kooomo", NOW);
    await seedDelivery({ eventId: "redacted", reaction: "stamps", connection: "c", status: "dead", at: NOW });
    await env.DB.prepare("UPDATE events SET redacted_at = ?1 WHERE id = 'redacted'").bind(NOW).run();

    const counter = rowsReadCounter(env.DB);
    const { groups, capped } = await deadLetterGroups(counter.db, NOW);
    expect(capped).toBe(false);
    expect(groups).toEqual([
      {
        reaction: "stamps",
        code: "bad_request",
        count: 3,
        first_seen: NOW - 3 * DAY,
        last_seen: NOW - 60_000,
        last_day: 2,
      },
      {
        reaction: "push",
        code: "server_error",
        count: 1,
        first_seen: NOW - 300_000,
        last_seen: NOW - 300_000,
        last_day: 1,
      },
      {
        reaction: "stamps",
        code: null,
        count: 1,
        first_seen: NOW - 2 * DAY,
        last_seen: NOW - 2 * DAY,
        last_day: 0,
      },
    ]);
    console.log(`deadLetterGroups rows read: ${counter.rowsRead()} (6 dead deliveries, 1 retrying)`);
    expect(counter.rowsRead()).toBeLessThanOrEqual(6 * 6);
  });

  it("reads the newest DEAD_LETTERS_GROUPED dead deliveries at most, and says older ones were left out", async () => {
    const extra = DEAD_LETTERS_GROUPED + 50;
    const numbers = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)`;
    await env.DB.batch([
      env.DB.prepare(
        `${numbers} INSERT INTO events (id, route, vendor, dedupe_key, type, status, verification, received_at,
           event_json, raw_headers)
         SELECT 'many-' || i, 'kooomo', 'kooomo', 'many-' || i, 'order.paid', 'failed', 'verified', ?2 - i, '{}',
           '{}' FROM n`,
      ).bind(extra, NOW - 10 * DAY),
      env.DB.prepare(
        `${numbers} INSERT INTO deliveries (id, event_id, reaction, recipe, connection_id, status,
           last_error_code, created_at, updated_at)
         SELECT 'many-' || i, 'many-' || i, 'bulk', 'r', 'c', 'dead', 'timeout', ?2 - i, ?2 - i FROM n`,
      ).bind(extra, NOW - 10 * DAY),
    ]);
    const counter = rowsReadCounter(env.DB);
    const { groups, capped } = await deadLetterGroups(counter.db, NOW);
    expect(capped).toBe(true);
    const counted = groups.reduce((sum, g) => sum + g.count, 0);
    expect(counted).toBe(DEAD_LETTERS_GROUPED);
    console.log(`deadLetterGroups rows read: ${counter.rowsRead()} (${extra + 6} dead deliveries)`);
    expect(counter.rowsRead()).toBeLessThanOrEqual(4 * DEAD_LETTERS_GROUPED);
  });
});
