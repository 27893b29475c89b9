import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { statsRoute } from "../../src/admin/api/routes/stats";
import orderCreated from "../fixtures/kooomo/order-created.json";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import kooomoUnknown from "../fixtures/kooomo/unknown-event.json";
import { adminJson, deliveriesWhen, drive, finished } from "../support/admin";
import { acceptedId, deliver } from "../support/deliveries";
import { DEMO, injectFault } from "../support/emulator";

type Stats = z.output<typeof statsRoute.response>;

const stats = async () => statsRoute.response.parse(await adminJson("/stats"));

describe("GET /admin/api/stats", () => {
  it("lists every configured route and connection, with nothing counted yet", async () => {
    const body = await stats();
    expect(body).toMatchObject({
      events: {},
      deliveries: {},
      dead_letter_depth: 0,
      oldest_pending_delivery_age_ms: null,
    });
    expect(Object.keys(body.routes)).toEqual(["coupontools", "kooomo", "ometria"]);
    expect(body.routes.kooomo).toEqual({ paused: false, events: {}, deliveries: {} });
    expect(Object.keys(body.connections)).toEqual([DEMO.coupontools, DEMO.ometria]);
  });

  it("counts events and deliveries by status, overall, per route and per connection", async () => {
    // A paid order: two reactions, one per connection, both succeed.
    const paid = await acceptedId(await deliver("kooomo", orderPaid));
    await drive(paid);
    await deliveriesWhen(paid, finished);
    // An unknown Kooomo event: stored, never reacted to.
    await acceptedId(await deliver("kooomo", kooomoUnknown));
    // An order whose Ometria call is refused: dead.
    await injectFault({ match: { connectionId: DEMO.ometria }, status: 400 });
    const refused = await acceptedId(await deliver("kooomo", orderCreated));
    await drive(refused);
    await deliveriesWhen(refused, (d) => d.status === "dead");
    // An order waiting behind a paused connection.
    await adminJson("/pauses", { body: { kind: "connection", name: DEMO.ometria } });
    const waiting = await acceptedId(await deliver("kooomo", orderCreated));
    await drive(waiting);
    const [held] = await deliveriesWhen(waiting, (d) => d.status === "pending");

    const before = Date.now();
    const body: Stats = await stats();
    const after = Date.now();

    expect(body.events).toEqual({ done: 1, unrecognized: 1, failed: 1, processing: 1 });
    expect(body.deliveries).toEqual({ succeeded: 2, dead: 1, pending: 1 });
    expect(body.dead_letter_depth).toBe(1);
    const created = held?.created_at ?? 0;
    expect(body.oldest_pending_delivery_age_ms).toBeGreaterThanOrEqual(before - created);
    expect(body.oldest_pending_delivery_age_ms).toBeLessThanOrEqual(after - created);
    expect(Date.parse(body.generated_at)).toBeGreaterThanOrEqual(before);

    expect(body.routes.kooomo).toEqual({
      paused: false,
      events: { done: 1, unrecognized: 1, failed: 1, processing: 1 },
      deliveries: { succeeded: 2, dead: 1, pending: 1 },
    });
    expect(body.routes.ometria).toEqual({ paused: false, events: {}, deliveries: {} });
    const alarms = {
      count: expect.any(Number),
      peak_subrequests: expect.any(Number),
      peak_d1_queries: expect.any(Number),
      handovers_for_subrequests: expect.any(Number),
      handovers_for_d1_queries: expect.any(Number),
    };
    const lane = { waiting: expect.any(Number), running: 0, alarms, concurrency: expect.any(Number) };
    const closed = { state: "closed", calls: expect.any(Number), failures: 0 };
    expect(body.connections[DEMO.ometria]).toEqual({
      paused: true,
      deliveries: { succeeded: 1, dead: 1, pending: 1 },
      breaker: closed,
      ...lane,
    });
    expect(body.connections[DEMO.coupontools]).toEqual({
      paused: false,
      deliveries: { succeeded: 1 },
      breaker: closed,
      ...lane,
    });

    // Retrying the dead one empties the dead-letter count.
    const dead = `${refused}:orders-to-ometria`;
    await adminJson(`/deliveries/${dead}/retry`, { method: "POST" });
    expect((await stats()).dead_letter_depth).toBe(0);
    await adminJson(`/pauses/connection/${DEMO.ometria}`, { method: "DELETE" });
    await deliveriesWhen(waiting, finished);
    await deliveriesWhen(refused, finished);
    const settled = await stats();
    expect(settled.oldest_pending_delivery_age_ms).toBeNull();
    expect(settled.deliveries).toEqual({ succeeded: 4 });
    expect(settled.connections[DEMO.ometria]?.paused).toBe(false);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM events").first("n")).toBe(4);
  });
});
