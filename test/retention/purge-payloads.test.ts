import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { loadRetentionSettings } from "../../src/config/retention";
import { purgeExpiredPayloads } from "../../src/retention/purge-payloads";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import { acceptedId, deliver } from "../support/deliveries";
import { resetEmulator } from "../support/emulator";
import { attemptsOf, eventRow, settled } from "../support/stored-events";

// Real ingress, queues, recipes (Membrane emulator) and D1; only the retention clock is chosen by the test.

const DAY_MS = 86_400_000;
const settings = loadRetentionSettings({ raw_payload_days: 30 });

function paidOrder(id: string) {
  return { ...orderPaid, id: `evt_${id}`, data: { ...orderPaid.data, id, number: id } };
}

/** Delivers an order and waits until its reactions are done, so it has attempts with bodies. */
async function deliveredOrder(id: string) {
  const eventId = await acceptedId(await deliver("kooomo", paidOrder(id)));
  await settled(eventId);
  const attempts = await attemptsOf(eventId);
  expect(attempts.length).toBeGreaterThan(0);
  return { eventId, row: await eventRow(eventId), attempts };
}

/** A `now` for which everything stored up to `lastOld` is older than the retention period and later rows are not. */
const nowJustAfter = (lastOld: number) => lastOld + 1 + 30 * DAY_MS;
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

beforeEach(resetEmulator);

describe("retention of raw payloads", () => {
  it("removes old raw deliveries and attempt bodies, keeps recent ones, and keeps ids, statuses and events", async () => {
    const old = await deliveredOrder("retention-old");
    const lastOld = Math.max(old.row.received_at, ...old.attempts.map((a) => a.started_at));
    await tick();
    const recent = await deliveredOrder("retention-recent");
    expect(recent.row.received_at).toBeGreaterThan(lastOld);

    const now = nowJustAfter(lastOld);
    const purged = await purgeExpiredPayloads(env.DB, settings, now);
    expect(purged).toEqual({ events: 1, attempts: old.attempts.length });

    const oldAfter = await eventRow(old.eventId);
    expect(oldAfter.raw_body).toBeNull();
    expect(oldAfter.raw_headers).toBe("{}");
    const { raw_body, raw_headers, ...kept } = old.row;
    expect(oldAfter).toMatchObject({ ...kept, status: "done", redacted_at: null });

    const oldAttempts = await attemptsOf(old.eventId);
    expect(oldAttempts.map((a) => a.id)).toEqual(old.attempts.map((a) => a.id));
    for (const [i, attempt] of oldAttempts.entries()) {
      const before = old.attempts[i];
      expect(attempt.response_excerpt).toBeNull();
      expect(attempt.bodies_removed_at).toBe(now);
      const { body, ...summary } = JSON.parse(before?.request_summary ?? "{}");
      expect(body).toEqual(expect.any(String));
      expect(JSON.parse(attempt.request_summary)).toEqual(summary);
      expect(attempt).toMatchObject({
        outcome: before?.outcome,
        response_status: before?.response_status,
        number: before?.number,
      });
    }

    expect(await eventRow(recent.eventId)).toEqual(recent.row);
    expect(await attemptsOf(recent.eventId)).toEqual(recent.attempts);
  });

  it("works through a backlog in batches of batch_size per run", async () => {
    const orders = await Promise.all(["batch-1", "batch-2", "batch-3"].map(deliveredOrder));
    const now = nowJustAfter(Date.now());
    const small = loadRetentionSettings({ raw_payload_days: 30, batch_size: 2 });

    // Whatever the earlier test left is cleaned too; count until a run finds nothing.
    const runs = [];
    for (let run = 0; run < 10; run++) {
      const purged = await purgeExpiredPayloads(env.DB, small, now);
      runs.push(purged);
      if (purged.events === 0 && purged.attempts === 0) break;
    }
    for (const purged of runs) {
      expect(purged.events).toBeLessThanOrEqual(2);
      expect(purged.attempts).toBeLessThanOrEqual(2);
    }
    expect(runs.at(-1)).toEqual({ events: 0, attempts: 0 });
    for (const order of orders) {
      expect((await eventRow(order.eventId)).raw_body).toBeNull();
      for (const attempt of await attemptsOf(order.eventId)) expect(attempt.response_excerpt).toBeNull();
    }
  });
});

describe("[vars.RETENTION]", () => {
  it("defaults every field", () => {
    expect(loadRetentionSettings(undefined)).toEqual({
      raw_payload_days: 30,
      batch_size: 500,
      erasure_grace_minutes: 5,
      erasure_hold_hours: 72,
    });
  });

  it("names the bad field", () => {
    expect(() => loadRetentionSettings({ raw_payload_days: 0 })).toThrow(/RETENTION\.raw_payload_days/);
    expect(() => loadRetentionSettings({ keep_days: 3 })).toThrow(/RETENTION/);
    expect(() => loadRetentionSettings({ erasure_grace_minutes: 1_441 })).toThrow(
      /RETENTION\.erasure_grace_minutes/,
    );
    expect(() => loadRetentionSettings({ erasure_hold_hours: 0 })).toThrow(/RETENTION\.erasure_hold_hours/);
  });
});
