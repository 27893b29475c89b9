import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { buildEvent } from "../../src/ingress/build-event";
import { uuidv7 } from "../../src/lib/ids";
import { listDeliveries } from "../../src/store/deliveries";
import { getEvent, insertEvent } from "../../src/store/events";
import couponValidated from "../fixtures/coupontools/coupon-validated.json";
import orderCreated from "../fixtures/kooomo/order-created.json";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import kooomoUnknown from "../fixtures/kooomo/unknown-event.json";
import {
  admin,
  adminJson,
  attemptCount,
  deliveriesWhen,
  drive,
  expectError,
  finished,
} from "../support/admin";
import { acceptedId, deliver } from "../support/deliveries";
import { DEMO, injectFault, markForged, recordedRequests, resetEmulator } from "../support/emulator";
import { waitFor } from "../support/wait";

beforeEach(resetEmulator);

const replay = (id: string, body?: unknown) => adminJson(`/events/${id}/replay`, { method: "POST", body });

/** An order.created event whose single reaction (orders-to-ometria) has run to the end. */
async function settledOrder(): Promise<{ id: string; deliveryId: string }> {
  const id = await acceptedId(await deliver("kooomo", orderCreated));
  await drive(id);
  const [delivery] = await deliveriesWhen(id, finished);
  return { id, deliveryId: delivery?.id ?? "" };
}

const ometriaPushes = async () =>
  (await recordedRequests()).filter((r) => r.path === `/connections/${DEMO.ometria}/proxy/push`).length;

/** An event stored by an older bridge whose normalizer did not know the payload yet. */
async function legacyUnrecognized(payload: unknown): Promise<string> {
  const id = uuidv7();
  const receivedAt = Date.now();
  await insertEvent(env.DB, {
    event: buildEvent(
      id,
      { name: "kooomo", vendor: "kooomo" },
      { recognized: false, vendorEventType: "order.created", problems: ["unknown event order.created"] },
      new Date(receivedAt),
    ),
    route: "kooomo",
    dedupeKey: `legacy-${id}`,
    dedupeHash: `legacy-hash-${id}`,
    verification: "verified",
    receivedAt,
    rawBody: JSON.stringify(payload),
    rawHeaders: {},
  });
  return id;
}

describe("POST /admin/api/events/:id/replay", () => {
  it("skips deliveries that succeeded: nothing is sent again", async () => {
    const { id, deliveryId } = await settledOrder();
    const pushes = await ometriaPushes();

    expect(await replay(id)).toEqual({
      outcome: "replanned",
      renormalized: false,
      deliveries: { reset: 0, skipped: 1, in_progress: 0, skipped_outcome_unknown: 0 },
    });
    // Run what the replay queued, as the consumer does: the succeeded delivery is finished, not re-run.
    expect((await drive(id)).get("orders-to-ometria")).toEqual({ step: "finished" });
    expect(await attemptCount(deliveryId)).toBe(1);
    expect(await ometriaPushes()).toBe(pushes);
    expect((await getEvent(env.DB, id))?.status).toBe("done");
  });

  it("re-runs succeeded deliveries when forced", async () => {
    const { id, deliveryId } = await settledOrder();
    const pushes = await ometriaPushes();

    expect(await replay(id, { force: true })).toMatchObject({ deliveries: { reset: 1, skipped: 0 } });
    await drive(id);
    const [delivery] = await deliveriesWhen(id, (d) => d.status === "succeeded" && d.attempts === 2);
    expect(delivery).toMatchObject({ id: deliveryId, retry_base: 1 });
    expect(await ometriaPushes()).toBe(pushes + 1);
  });

  it("resets dead deliveries to pending with a fresh retry schedule, and they run again", async () => {
    await injectFault({ match: { connectionId: DEMO.ometria }, status: 400 });
    const { id } = await settledOrder();
    expect((await listDeliveries(env.DB, id))[0]).toMatchObject({ status: "dead", attempts: 1 });
    expect((await getEvent(env.DB, id))?.status).toBe("failed");

    expect(await replay(id)).toMatchObject({ deliveries: { reset: 1, skipped: 0, in_progress: 0 } });
    await drive(id);
    const [delivery] = await deliveriesWhen(id, finished);
    expect(delivery).toMatchObject({
      status: "succeeded",
      attempts: 2,
      retry_base: 1,
      last_error_code: null,
    });
    expect(await getEvent(env.DB, id)).toMatchObject({ status: "done", status_reason: null });
  });

  it("leaves a dead stamp delivery whose outcome is unknown alone unless forced, and says so", async () => {
    // Coupontools refuses the stamp call; the row is then made what a lost answer leaves (the engine's
    // outcome_unknown, driven end to end in retry.test.ts).
    await injectFault({ match: { pathPrefix: "/v3/loyaltyusers/update" }, status: 400 });
    const id = await acceptedId(await deliver("kooomo", orderPaid));
    await drive(id);
    await deliveriesWhen(id, finished);
    const stamps = `${id}:paid-order-stamps`;
    await env.DB.prepare("UPDATE deliveries SET last_error_code = 'outcome_unknown' WHERE id = ?1")
      .bind(stamps)
      .run();

    expect(await replay(id)).toEqual({
      outcome: "replanned",
      renormalized: false,
      deliveries: { reset: 0, skipped: 1, in_progress: 0, skipped_outcome_unknown: 1 },
    });
    expect((await drive(id)).get("paid-order-stamps")).toEqual({ step: "finished" });
    expect(await attemptCount(stamps)).toBe(1);
    expect((await listDeliveries(env.DB, id)).find((d) => d.id === stamps)).toMatchObject({
      status: "dead",
      last_error_code: "outcome_unknown",
    });

    expect(await replay(id, { force: true })).toMatchObject({
      deliveries: { reset: 2, skipped: 0, skipped_outcome_unknown: 0 },
    });
    await drive(id);
    const deliveries = await deliveriesWhen(id, (d) => d.status === "succeeded" && d.attempts === 2);
    expect(deliveries.map((d) => d.reaction)).toEqual(["orders-to-ometria", "paid-order-stamps"]);
  });

  it("plans reactions the event has no delivery for yet", async () => {
    const id = await acceptedId(await deliver("kooomo", orderPaid));
    await drive(id);
    await deliveriesWhen(id, finished);
    // As if paid-order-stamps had been configured after the event arrived.
    const missing = `${id}:paid-order-stamps`;
    await env.DB.batch([
      env.DB.prepare("DELETE FROM attempts WHERE delivery_id = ?1").bind(missing),
      env.DB.prepare("DELETE FROM deliveries WHERE id = ?1").bind(missing),
    ]);

    expect(await replay(id)).toMatchObject({ deliveries: { reset: 0, skipped: 1 } });
    await drive(id);
    const deliveries = await deliveriesWhen(id, finished);
    expect(deliveries.map((d) => [d.reaction, d.status, d.attempts])).toEqual([
      ["orders-to-ometria", "succeeded", 1],
      ["paid-order-stamps", "succeeded", 1],
    ]);
  });

  it("normalizes an unrecognized event again and plans it once the normalizer knows it", async () => {
    const id = await legacyUnrecognized(orderCreated);
    expect(await replay(id)).toEqual({
      outcome: "replanned",
      renormalized: true,
      deliveries: { reset: 0, skipped: 0, in_progress: 0, skipped_outcome_unknown: 0 },
    });
    const row = await getEvent(env.DB, id);
    expect(row).toMatchObject({ type: "order.created", vendor_event_type: "order.created" });
    expect(JSON.parse(row?.event_json ?? "{}")).toMatchObject({
      id,
      type: "order.created",
      source: "hookbridge/kooomo",
      data: { customer: { email: "grace@example.com" } },
    });

    await drive(id);
    const deliveries = await deliveriesWhen(id, finished);
    expect(deliveries.map((d) => [d.reaction, d.status])).toEqual([["orders-to-ometria", "succeeded"]]);
    await waitFor(
      () => getEvent(env.DB, id),
      (event) => event?.status === "done",
    );
  });

  it("says why an event is still unrecognized, and changes nothing", async () => {
    const id = await acceptedId(await deliver("kooomo", kooomoUnknown));
    const before = await getEvent(env.DB, id);
    const body = await replay(id);
    expect(body).toEqual({
      outcome: "still_unrecognized",
      problems: [expect.stringContaining("product.updated")],
    });
    expect(await getEvent(env.DB, id)).toEqual(before);
    expect(await listDeliveries(env.DB, id)).toEqual([]);
  });

  it("answers 409 for an unrecognized event whose raw body retention removed", async () => {
    const id = await legacyUnrecognized(orderCreated);
    await env.DB.prepare("UPDATE events SET raw_body = NULL WHERE id = ?1").bind(id).run();
    await expectError(await admin(`/events/${id}/replay`, { method: "POST" }), 409, "raw_body_gone");
  });

  it("answers 409 for an event rejected as not genuine", async () => {
    const vendorId = `evt_forged${crypto.randomUUID().replaceAll("-", "")}`;
    await markForged([vendorId]);
    const id = await acceptedId(await deliver("coupontools", { ...couponValidated, id: vendorId }));
    await drive(id).catch(() => undefined);
    await waitFor(
      () => getEvent(env.DB, id),
      (event) => event?.status === "rejected",
    );
    await expectError(await admin(`/events/${id}/replay`, { method: "POST" }), 409, "event_rejected");
  });

  it("answers 409 for an event redacted after an erasure request", async () => {
    const { id } = await settledOrder();
    // What src/retention/redact-erasures.ts leaves behind.
    await env.DB.prepare("UPDATE events SET redacted_at = ?2 WHERE id = ?1").bind(id, Date.now()).run();
    await expectError(await admin(`/events/${id}/replay`, { body: { force: true } }), 409, "event_redacted");
    expect((await listDeliveries(env.DB, id))[0]).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("answers 404 for an unknown event and 400 for a bad body", async () => {
    await expectError(await admin(`/events/${uuidv7()}/replay`, { method: "POST" }), 404, "event_not_found");
    const { id } = await settledOrder();
    const notBoolean = await expectError(
      await admin(`/events/${id}/replay`, { body: { force: "yes" } }),
      400,
      "invalid_request",
    );
    expect(notBoolean.issues).toEqual([expect.stringMatching(/^force: /)]);
    const misspelt = await expectError(
      await admin(`/events/${id}/replay`, { body: { forse: true } }),
      400,
      "invalid_request",
    );
    expect(misspelt.issues).toEqual(["forse: unknown field"]);
    await expectError(await admin(`/events/${id}/replay`, { raw: "{force: true" }), 400, "invalid_request");
  });
});
