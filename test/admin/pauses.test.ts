import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { resume as resumeWork } from "../../src/admin/operations/pauses";
import { sweepStalledDeliveries } from "../../src/delivery/sweep";
import { listDeliveries } from "../../src/store/deliveries";
import orderCreated from "../fixtures/kooomo/order-created.json";
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
import { DEMO, recordedRequests, resetEmulator } from "../support/emulator";
import { recordingQueue } from "../support/recording-queue";

beforeEach(resetEmulator);

interface Pause {
  kind: string;
  name: string;
  paused_at: string;
}

const pause = (kind: string, name: string) =>
  adminJson<{ pause: Pause; created: boolean }>("/pauses", { body: { kind, name } });
const resume = (kind: string, name: string) =>
  adminJson<{ resumed: Pause; requeued: number; more: boolean }>(`/pauses/${kind}/${name}`, {
    method: "DELETE",
  });

/** An order whose one reaction (orders-to-ometria) goes through the Ometria connection. */
async function order(): Promise<string> {
  const id = await acceptedId(await deliver("kooomo", orderCreated));
  await drive(id);
  return id;
}

const ometriaCalls = async () =>
  (await recordedRequests()).filter((r) => r.path.startsWith(`/connections/${DEMO.ometria}/`)).length;

describe("pausing and resuming", () => {
  it("creates, lists and removes pauses; pausing twice keeps the first one", async () => {
    const first = await pause("connection", DEMO.ometria);
    expect(first).toEqual({
      pause: { kind: "connection", name: DEMO.ometria, paused_at: expect.any(String) },
      created: true,
    });
    expect(await pause("connection", DEMO.ometria)).toEqual({ pause: first.pause, created: false });
    await pause("route", "kooomo");
    expect(await adminJson("/pauses")).toEqual({
      pauses: [first.pause, { kind: "route", name: "kooomo", paused_at: expect.any(String) }],
    });

    expect((await resume("connection", DEMO.ometria)).resumed).toEqual(first.pause);
    expect((await resume("route", "kooomo")).resumed).toMatchObject({ kind: "route", name: "kooomo" });
    expect(await adminJson("/pauses")).toEqual({ pauses: [] });
  });

  it("holds a paused connection's deliveries without attempting them, then runs them on resume", async () => {
    await pause("connection", DEMO.ometria);
    const calls = await ometriaCalls();
    // Ingress still accepts the vendor's webhook (nothing is dropped) and the delivery is planned.
    const id = await acceptedId(await deliver("kooomo", orderCreated));
    const steps = await drive(id);
    expect(steps.get("orders-to-ometria")).toEqual({ step: "paused" });

    const [held] = await listDeliveries(env.DB, id);
    expect(held).toMatchObject({ status: "pending", attempts: 0, next_attempt_at: null });
    expect(await attemptCount(held?.id ?? "")).toBe(0);
    expect(await ometriaCalls()).toBe(calls);
    // The stalled-delivery sweep leaves it alone too, however long it waits.
    const queue = recordingQueue<{ deliveryId: string }>();
    await sweepStalledDeliveries({ ...env, DELIVERIES_QUEUE: queue.queue }, Date.now() + 86_400_000);
    expect(queue.sent.map((m) => m.body.deliveryId)).not.toContain(held?.id);

    const resumed = await resume("connection", DEMO.ometria);
    expect(resumed).toMatchObject({ requeued: 1, more: false });
    const [done] = await deliveriesWhen(id, finished);
    expect(done).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(await ometriaCalls()).toBe(calls + 1);
  });

  it("holds a paused route's reactions; resuming one of two pauses releases nothing", async () => {
    await pause("route", "kooomo");
    await pause("connection", DEMO.ometria);
    const waiting = [await order(), await order()];
    for (const id of waiting) {
      expect(await listDeliveries(env.DB, id)).toMatchObject([{ status: "pending", attempts: 0 }]);
    }

    // Still held by the route pause.
    expect(await resume("connection", DEMO.ometria)).toMatchObject({ requeued: 0, more: false });
    expect((await drive(waiting[0] ?? "")).get("orders-to-ometria")).toEqual({ step: "paused" });

    // Resuming sends a fresh queue message for each waiting delivery (those sent at planning were used up).
    const queue = recordingQueue<{ deliveryId: string }>();
    expect(await resumeWork({ ...env, DELIVERIES_QUEUE: queue.queue }, "route", "kooomo")).toMatchObject({
      requeued: 2,
      more: false,
    });
    expect(queue.sent.map((m) => m.body.deliveryId).sort()).toEqual(
      waiting.map((id) => `${id}:orders-to-ometria`).sort(),
    );
    for (const id of waiting) await drive(id);
    for (const id of waiting) {
      expect(await deliveriesWhen(id, finished)).toMatchObject([{ status: "succeeded", attempts: 1 }]);
    }
  });

  it("answers 404 for unknown names and pauses, 400 for a bad kind", async () => {
    await expectError(
      await admin("/pauses", { body: { kind: "route", name: "nowhere" } }),
      404,
      "route_not_found",
    );
    await expectError(
      await admin("/pauses", { body: { kind: "connection", name: "no-such-connection" } }),
      404,
      "connection_not_found",
    );
    await expectError(await admin("/pauses/route/kooomo", { method: "DELETE" }), 404, "pause_not_found");
    const error = await expectError(
      await admin("/pauses", { body: { kind: "vendor", name: "kooomo" } }),
      400,
      "invalid_request",
    );
    expect(error.issues).toEqual([expect.stringMatching(/^kind: /)]);
    await expectError(await admin("/pauses/vendor/kooomo", { method: "DELETE" }), 400, "invalid_request");
    await expectError(await admin("/pauses", { body: { kind: "route" } }), 400, "invalid_request");
  });
});
