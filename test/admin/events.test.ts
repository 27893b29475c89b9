import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { getEventRoute, listEventsRoute } from "../../src/admin/api/routes/events";
import couponValidated from "../fixtures/coupontools/coupon-validated.json";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import kooomoUnknown from "../fixtures/kooomo/unknown-event.json";
import unsubscribed from "../fixtures/ometria/contact-unsubscribed.json";
import { admin, adminJson, deliveriesWhen, drive, expectError, finished } from "../support/admin";
import { acceptedId, deliver } from "../support/deliveries";
import { waitFor } from "../support/wait";

type EventList = z.output<typeof listEventsRoute.response>;
type EventDetail = z.output<typeof getEventRoute.response>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ids of the events delivered in `beforeAll`, by kind and by the time window they arrived in. */
const ids = {
  orderPaid: [] as string[],
  unknown: [] as string[],
  ometria: [] as string[],
  coupontools: [] as string[],
  early: [] as string[],
  middle: [] as string[],
  late: [] as string[],
};
const windows = { t1: "", t2: "" };

/** Four kinds of delivery, taken in turn: a paid order, an unknown Kooomo event, Ometria, Coupontools. */
const kinds: { list: string[]; send: () => Promise<Response> }[] = [
  { list: ids.orderPaid, send: () => deliver("kooomo", orderPaid) },
  { list: ids.unknown, send: () => deliver("kooomo", kooomoUnknown) },
  {
    list: ids.ometria,
    send: () => deliver("ometria", { ...unsubscribed, id: `unsub-${crypto.randomUUID()}` }),
  },
  {
    list: ids.coupontools,
    send: () =>
      deliver("coupontools", { ...couponValidated, id: `evt_${crypto.randomUUID().replaceAll("-", "")}` }),
  },
];

async function deliverGroup(into: string[], count: number) {
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length];
    if (!kind) throw new Error("unreachable");
    const id = await acceptedId(await kind.send());
    kind.list.push(id);
    into.push(id);
  }
}

/** A timestamp strictly between the events delivered before and after it. */
async function boundary(): Promise<string> {
  await sleep(3);
  const at = new Date().toISOString();
  await sleep(3);
  return at;
}

async function allIds(): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT id FROM events ORDER BY received_at DESC, id DESC").all<{
    id: string;
  }>();
  return results.map((r) => r.id);
}

async function list(query: string): Promise<EventList> {
  return listEventsRoute.response.parse(await adminJson(`/events?${query}`));
}

async function listIds(query: string): Promise<string[]> {
  const pages = await walk(query, 200);
  return pages.flatMap((p) => p.events.map((e) => e.id));
}

/** Follows next_cursor to the end (from `cursor` when given); returns every page. */
async function walk(query: string, limit: number, cursor: string | null = null): Promise<EventList[]> {
  const pages: EventList[] = [];
  do {
    const page = await list(
      `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    pages.push(page);
    cursor = page.next_cursor;
  } while (cursor !== null && pages.length < 100);
  return pages;
}

const sorted = (values: readonly string[]) => [...values].sort();

beforeAll(async () => {
  await deliverGroup(ids.early, 8);
  windows.t1 = await boundary();
  await deliverGroup(ids.middle, 8);
  windows.t2 = await boundary();
  await deliverGroup(ids.late, 6);
  // Let the background consumer plan and run everything, so statuses stop moving.
  await waitFor(
    () =>
      env.DB.prepare(
        "SELECT COUNT(*) AS n FROM events WHERE status IN ('accepted', 'queued', 'processing')",
      ).first<{ n: number }>(),
    (row) => row?.n === 0,
    { what: "every event to settle" },
  );
});

describe("GET /admin/api/events", () => {
  it("lists newest first, 50 by default, with delivery counts", async () => {
    const page = await list("");
    const expected = await allIds();
    expect(expected).toHaveLength(22);
    expect(page.events.map((e) => e.id)).toEqual(expected);
    expect(page.next_cursor).toBeNull();

    const paid = page.events.find((e) => e.id === ids.orderPaid[0]);
    expect(paid).toMatchObject({
      route: "kooomo",
      type: "order.paid",
      status: "done",
      deliveries: { succeeded: 2 },
    });
    expect(page.events.find((e) => e.id === ids.unknown[0])).toMatchObject({
      type: "hookbridge.unrecognized",
      status: "unrecognized",
      deliveries: {},
    });
  });

  it("walks every page once, without duplicates or gaps, for any page size", async () => {
    const expected = await allIds();
    for (const limit of [1, 4, 7, 22, 23]) {
      const pages = await walk("", limit);
      const seen = pages.flatMap((p) => p.events.map((e) => e.id));
      expect(seen, `limit ${limit}`).toEqual(expected);
      expect(pages.every((p) => p.events.length <= limit)).toBe(true);
      expect(pages.at(-1)?.next_cursor).toBeNull();
      expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / limit)));
    }
  });

  it("keeps pagination stable while new events arrive", async () => {
    const before = await allIds();
    const first = await list("limit=5");
    const newcomer = await acceptedId(await deliver("kooomo", kooomoUnknown));
    expect(first.next_cursor).not.toBeNull();
    const rest = await walk("", 5, first.next_cursor);
    const seen = [...first.events.map((e) => e.id), ...rest.flatMap((p) => p.events.map((e) => e.id))];
    expect(seen).toEqual(before);
    expect(seen).not.toContain(newcomer);
    expect((await list("limit=1")).events[0]?.id).toBe(newcomer);
    ids.unknown.push(newcomer);
  });

  it("filters by route, type and status, alone and combined, across pages", async () => {
    expect(sorted(await listIds("route=ometria"))).toEqual(sorted(ids.ometria));
    expect(sorted(await listIds("type=order.paid"))).toEqual(sorted(ids.orderPaid));
    expect(sorted(await listIds("status=unrecognized"))).toEqual(sorted(ids.unknown));
    expect(sorted(await listIds("route=kooomo&type=hookbridge.unrecognized&status=unrecognized"))).toEqual(
      sorted(ids.unknown),
    );
    expect(await listIds("route=ometria&type=order.paid")).toEqual([]);
    expect(await listIds("route=nowhere")).toEqual([]);

    const coupontoolsPages = await walk("route=coupontools", 2);
    expect(sorted(coupontoolsPages.flatMap((p) => p.events.map((e) => e.id)))).toEqual(
      sorted(ids.coupontools),
    );
    expect(coupontoolsPages.length).toBe(Math.ceil(ids.coupontools.length / 2));
  });

  it("filters by status for every status the events reached", async () => {
    const { results } = await env.DB.prepare("SELECT id, status FROM events").all<{
      id: string;
      status: string;
    }>();
    const statuses = [...new Set(results.map((r) => r.status))];
    expect(statuses).toEqual(expect.arrayContaining(["done", "unrecognized"]));
    for (const status of statuses) {
      const expected = results.filter((r) => r.status === status).map((r) => r.id);
      expect(sorted(await listIds(`status=${status}`)), status).toEqual(sorted(expected));
    }
  });

  it("filters by received time: from inclusive, to exclusive", async () => {
    const { t1, t2 } = windows;
    expect(sorted(await listIds(`from=${t1}&to=${t2}`))).toEqual(sorted(ids.middle));
    expect(sorted(await listIds(`to=${t1}`))).toEqual(sorted(ids.early));
    const fromT2 = await listIds(`from=${t2}`);
    expect(fromT2).toEqual(expect.arrayContaining(ids.late));
    expect(fromT2.filter((id) => ids.early.includes(id) || ids.middle.includes(id))).toEqual([]);
    // Offsets other than Z name the same instant.
    const shifted = new Date(Date.parse(t1) + 2 * 3_600_000).toISOString().replace("Z", "+02:00");
    expect(sorted(await listIds(`from=${encodeURIComponent(shifted)}&to=${t2}`))).toEqual(sorted(ids.middle));

    const first = await acceptedId(await deliver("kooomo", kooomoUnknown));
    const row = await env.DB.prepare("SELECT received_at FROM events WHERE id = ?1").bind(first).first<{
      received_at: number;
    }>();
    const exact = new Date(row?.received_at ?? 0).toISOString();
    expect(
      await listIds(`from=${exact}&to=${new Date((row?.received_at ?? 0) + 1).toISOString()}`),
    ).toContain(first);
    expect(await listIds(`to=${exact}`)).not.toContain(first);
  });

  it.each([
    ["status=bogus", "status"],
    ["limit=0", "limit"],
    ["limit=201", "limit"],
    ["limit=ten", "limit"],
    ["from=yesterday", "from"],
    ["to=2026-13-01T00:00:00Z", "to"],
    ["from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "from"],
    ["cursor=not-a-cursor", "cursor"],
    [`cursor=${btoa("[1,2]")}`, "cursor"],
    ["stauts=done", "stauts"],
  ])("answers 400 for %s", async (query, field) => {
    const error = await expectError(await admin(`/events?${query}`), 400, "invalid_request");
    expect(error.issues?.some((issue) => issue.startsWith(field))).toBe(true);
  });
});

describe("GET /admin/api/events/:id", () => {
  it("shows the CloudEvent, raw headers and body, deliveries and every attempt", async () => {
    const id = ids.orderPaid[0] ?? "";
    const body = getEventRoute.response.parse(await adminJson<EventDetail>(`/events/${id}`));
    expect(body).toMatchObject({
      id,
      route: "kooomo",
      type: "order.paid",
      status: "done",
      verification: "verified",
      raw_body: JSON.stringify(orderPaid),
      event: { specversion: "1.0", id, type: "order.paid", source: "hookbridge/kooomo" },
    });
    expect(body.raw_headers["webhook-id"]).toBe(body.dedupe_key);
    expect(body.raw_headers).not.toHaveProperty("webhook-signature");
    expect(body.deliveries.map((d) => d.reaction)).toEqual(["orders-to-ometria", "paid-order-stamps"]);
    for (const delivery of body.deliveries) {
      expect(delivery).toMatchObject({ event_id: id, status: "succeeded", attempts: 1 });
      expect(delivery.attempt_log).toHaveLength(1);
      // orders-to-ometria goes through the proxy, paid-order-stamps through actions (wrangler.toml).
      const viaAction = delivery.reaction === "paid-order-stamps";
      expect(delivery.attempt_log[0]).toMatchObject({
        number: 1,
        outcome: "success",
        request: { method: "POST", path: viaAction ? "/act" : expect.stringContaining("/connections/") },
        response_status: 200,
        response_excerpt: expect.any(String),
        duration_ms: expect.any(Number),
        action_run_id: viaAction ? expect.stringMatching(/^arun_/) : null,
      });
    }
  });

  it("lists every attempt of a delivery that was retried", async () => {
    const id = ids.ometria[0] ?? "";
    // An ometria unsubscribe has no reaction; a paid order run twice gives two attempts.
    expect((await adminJson<EventDetail>(`/events/${id}`)).deliveries).toEqual([]);

    const paid = ids.orderPaid[1] ?? "";
    await deliveriesWhen(paid, finished);
    await adminJson(`/deliveries/${paid}:orders-to-ometria/retry`, { body: { force: true } });
    await drive(paid);
    await deliveriesWhen(paid, finished);
    const detail = getEventRoute.response.parse(await adminJson(`/events/${paid}`));
    const retried = detail.deliveries.find((d) => d.reaction === "orders-to-ometria");
    expect(retried?.attempt_log.map((a) => [a.number, a.outcome])).toEqual([
      [1, "success"],
      [2, "success"],
    ]);
    expect(retried).toMatchObject({ attempts: 2, retry_base: 1 });
  });

  it("answers raw_body null once retention has removed it", async () => {
    const id = ids.unknown[0] ?? "";
    await env.DB.prepare("UPDATE events SET raw_body = NULL WHERE id = ?1").bind(id).run();
    expect((await adminJson<EventDetail>(`/events/${id}`)).raw_body).toBeNull();
  });

  it("answers 404 for an unknown id", async () => {
    await expectError(await admin("/events/01900000-0000-7000-8000-000000000000"), 404, "event_not_found");
  });
});
