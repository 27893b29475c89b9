import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { activityRoute } from "../../src/admin/api/routes/activity";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import { admin, adminJson, drive, expectError } from "../support/admin";
import { acceptedId, deliver } from "../support/deliveries";
import { waitFor } from "../support/wait";

type Activity = z.output<typeof activityRoute.response>;

// Seeded rows sit at a fixed time long past, so the feed's lag never hides them and nothing else is near.
const T = Date.UTC(2026, 0, 1, 12);
const FROM = new Date(T - 1000).toISOString();

async function seed() {
  const event = (id: string, route: string, at: number, status = "done") =>
    env.DB.prepare(
      `INSERT INTO events (id, route, vendor, dedupe_key, type, status, verification, received_at, event_json,
         raw_headers) VALUES (?1, ?2, ?2, ?1, 'order.paid', ?3, 'verified', ?4, '{}', '{}')`,
    ).bind(id, route, status, at);
  const delivery = (id: string, eventId: string, reaction: string, at: number, status = "succeeded") =>
    env.DB.prepare(
      `INSERT INTO deliveries (id, event_id, reaction, recipe, connection_id, status, attempts, created_at,
         updated_at, next_attempt_at) VALUES (?1, ?2, ?3, 'r', 'conn', ?4, 1, ?5, ?5, ?6)`,
    ).bind(id, eventId, reaction, status, at, status === "retrying" ? at + 60_000 : null);
  const attempt = (deliveryId: string, at: number, outcome: string, error: string | null) =>
    env.DB.prepare(
      `INSERT INTO attempts (delivery_id, number, started_at, finished_at, outcome, error_code, request_summary,
         duration_ms) VALUES (?1, 1, ?2, ?2, ?3, ?4, '{"method":"POST","path":"/connections/conn/proxy/x"}', 7)`,
    ).bind(deliveryId, at, outcome, error);
  await env.DB.batch([
    event("e1", "kooomo", T),
    delivery("e1:stamps", "e1", "stamps", T),
    event("e2", "ometria", T + 1, "failed"),
    attempt("e1:stamps", T + 1, "success", null),
    delivery("e2:push", "e2", "push", T + 2, "retrying"),
    attempt("e2:push", T + 3, "transient", "upstream_5xx"),
    // Happening now (a clock a second ahead): inside the feed's lag for the next 3 s.
    event("e3", "kooomo", Date.now() + 1000),
  ]);
}

const read = (query: string) => adminJson<Activity>(`/activity?${query}`);
const line = (i: Activity["items"][number]) => `${i.kind} ${i.delivery_id ?? i.event_id} ${i.status}`;

describe("GET /admin/api/activity", () => {
  it("walks events, plannings and attempt endings in order, one at a time across ties, and then stays put", async () => {
    await seed();
    const seen: string[] = [];
    let cursor = "";
    for (let i = 0; i < 6; i++) {
      const page = await read(cursor ? `cursor=${cursor}&limit=1` : `from=${FROM}&limit=1`);
      seen.push(...page.items.map(line));
      cursor = page.next_cursor;
    }
    expect(seen).toEqual([
      "event.received e1 done",
      "delivery.planned e1:stamps succeeded",
      "event.received e2 failed",
      "attempt.finished e1:stamps success",
      "delivery.planned e2:push retrying",
      "attempt.finished e2:push transient",
    ]);
    const after = await read(`cursor=${cursor}`);
    expect(after).toEqual({ items: [], next_cursor: cursor });
  });

  it("tells an attempt's call, duration, error and the delivery's next try", async () => {
    const { items } = await read(`from=${FROM}&status=transient`);
    expect(items).toEqual([
      expect.objectContaining({
        kind: "attempt.finished",
        route: "ometria",
        reaction: "push",
        attempt: 1,
        duration_ms: 7,
        error_code: "upstream_5xx",
        request: "POST /connections/conn/proxy/x",
        next_attempt_at: new Date(T + 2 + 60_000).toISOString(),
      }),
    ]);
  });

  it("filters by route, by reaction (leaving events out) and by a list of statuses", async () => {
    const byRoute = await read(`from=${FROM}&route=ometria`);
    expect(byRoute.items.map(line)).toEqual([
      "event.received e2 failed",
      "delivery.planned e2:push retrying",
      "attempt.finished e2:push transient",
    ]);
    const byReaction = await read(`from=${FROM}&reaction=stamps`);
    expect(byReaction.items.map(line)).toEqual([
      "delivery.planned e1:stamps succeeded",
      "attempt.finished e1:stamps success",
    ]);
    const byStatus = await read(`from=${FROM}&status=failed,transient`);
    expect(byStatus.items.map(line)).toEqual([
      "event.received e2 failed",
      "attempt.finished e2:push transient",
    ]);
  });

  it("refuses a status it does not know and a cursor it did not make", async () => {
    const status = await expectError(await admin("/activity?status=done,broken"), 400, "invalid_request");
    expect(status.issues?.join()).toContain("status");
    const cursor = await expectError(await admin("/activity?cursor=bm9wZQ"), 400, "invalid_request");
    expect(cursor.issues).toEqual(["cursor: not a cursor from this API"]);
  });

  it("shows a paid order's event, each planned delivery and its first attempt once they are past the lag", async () => {
    const from = new Date().toISOString();
    const id = await acceptedId(await deliver("kooomo", orderPaid));
    const steps = await drive(id);
    const items = await waitFor(
      async () => (await read(`from=${from}&limit=500`)).items.filter((i) => i.event_id === id),
      (found) => found.filter((i) => i.kind === "attempt.finished").length >= steps.size,
      { what: "the order's attempts in the feed", timeoutMs: 15_000 },
    );
    expect(items[0]).toMatchObject({ kind: "event.received", route: "kooomo", type: "order.paid" });
    const planned = items.filter((i) => i.kind === "delivery.planned").map((i) => i.reaction);
    expect(planned.sort()).toEqual([...steps.keys()].sort());
    for (const reaction of steps.keys()) {
      expect(items).toContainEqual(
        expect.objectContaining({
          kind: "attempt.finished",
          reaction,
          attempt: 1,
          request: expect.any(String),
        }),
      );
    }
    expect(JSON.stringify(items)).not.toMatch(/@/);
  });
});
