import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { deliveryContext } from "../../src/delivery/context";
import { planEvent } from "../../src/delivery/plan-event";
import type { Env } from "../../src/env";
import { redactCompletedErasures } from "../../src/retention/redact-erasures";
import { addPause, removePause } from "../../src/store/pauses";
import { deadLetters, resetDeadLetters } from "../support/dead-letters";
import { emulatorState, injectFault, resetEmulator } from "../support/emulator";
import {
  deliveriesOf,
  eventRow,
  settled,
  snapshot,
  storedText,
  storeUnqueued,
} from "../support/stored-events";
import { waitFor } from "../support/wait";
import { kooomoErasure, kooomoOrder, send } from "./payloads";

// An erasure is carried out locally at the latest RETENTION.erasure_grace_minutes (5 by default) after it was
// received, whatever the vendor deletion answered. The deletion, tracked on its own, keeps the address in its
// delivery until it succeeds or dies (at most erasure_hold_hours, 72 by default).

const bridgeEnv: Env = env;
const nothing = { erasures: 0, completed: 0, events: 0 };
const GRACE_MS = 5 * 60_000;
const HOLD_MS = 72 * 3_600_000;

beforeEach(async () => {
  await resetEmulator();
  await resetDeadLetters();
});

describe("erasure requests whose reactions have not all succeeded", () => {
  it("wait for them within the grace period, then are carried out although the deletion died", async () => {
    await injectFault({ match: { pathPrefix: "/data-deletion-requests" }, status: 400, times: 1 });
    const order = await send("kooomo", kooomoOrder("300001", { id: 7001, email: "carol@example.com" }));
    const request = await send("kooomo", kooomoErasure("carol-erasure", 7001, "carol@example.com"));
    await settled(order);
    expect((await settled(request)).status).toBe("failed");
    const before = await Promise.all([snapshot(order), snapshot(request)]);

    const deadline = before[1].event.received_at + GRACE_MS;
    expect(await redactCompletedErasures(bridgeEnv, deadline - 1)).toEqual(nothing);
    expect(await Promise.all([snapshot(order), snapshot(request)])).toEqual(before);

    expect(await redactCompletedErasures(bridgeEnv, deadline)).toEqual({
      erasures: 1,
      completed: 1,
      events: 2,
    });
    for (const id of [order, request]) {
      expect((await storedText(id)).toLowerCase()).not.toContain("carol@example.com");
      expect((await eventRow(id)).redacted_at).toBe(deadline);
    }
    // The dead deletion stays visible to the operator, with its reason, and holds nothing.
    expect(await eventRow(request)).toMatchObject({
      status: "failed",
      status_reason: "a reaction was dead-lettered",
    });
    const [deletion] = await deliveriesOf(request);
    // The deletion goes through a Membrane action, whose failed run (a vendor 400) is `action_failed`.
    expect(deletion).toMatchObject({
      status: "dead",
      last_error_code: "action_failed",
      held_event_json: null,
    });
    expect(deletion?.last_error).toMatch(/HTTP 400/);
  });

  it("let a deletion still waiting for its turn send the address after the local redaction, then drop it", async () => {
    // The previous test used Ometria's deletion slot: this request is paced ~10 s later, so it is in progress.
    const order = await send("kooomo", kooomoOrder("300002", { id: 7002, email: "dave@example.com" }));
    const request = await send("kooomo", kooomoErasure("dave-erasure", 7002, "dave@example.com"));
    await settled(order);
    const [pending] = await waitFor(
      () => deliveriesOf(request),
      (rows) => rows.length === 1,
      { what: "the deletion to be planned" },
    );
    expect(pending?.status).toBe("pending");

    const deadline = (await eventRow(request)).received_at + GRACE_MS;
    expect(await redactCompletedErasures(bridgeEnv, deadline)).toEqual({
      erasures: 1,
      completed: 1,
      events: 2,
    });
    expect((await eventRow(request)).event_json).not.toContain("dave@example.com");
    const [held] = await deliveriesOf(request);
    expect(JSON.parse(held?.held_event_json ?? "{}").data.email).toBe("dave@example.com");

    expect((await settled(request)).status).toBe("done");
    const sent = (await emulatorState()).deletionRequests.map((r) => r.email);
    expect(sent).toContain("dave@example.com");
    const [done] = await deliveriesOf(request);
    expect(done).toMatchObject({ status: "succeeded", held_event_json: null });
    for (const id of [order, request]) {
      expect((await storedText(id)).toLowerCase()).not.toContain("dave@example.com");
    }
  });

  it("let a deletion that is never sent die at the hold's bound, with a visible reason", async () => {
    // Ometria's connection is paused by an operator, so the deletion waits unclaimed.
    await addPause(env.DB, "connection", "ometria-demo", Date.now());
    try {
      const request = await send("kooomo", kooomoErasure("erin-erasure", 7003, "erin@example.com"));
      await waitFor(
        () => deliveriesOf(request),
        (rows) => rows.length === 1,
        { what: "the deletion to be planned" },
      );
      const deadline = (await eventRow(request)).received_at + GRACE_MS;
      expect(await redactCompletedErasures(bridgeEnv, deadline)).toEqual({
        erasures: 1,
        completed: 1,
        events: 1,
      });
      expect((await deliveriesOf(request))[0]?.held_event_json).toContain("erin@example.com");

      expect(await redactCompletedErasures(bridgeEnv, deadline + HOLD_MS - 1)).toEqual(nothing);
      expect((await deliveriesOf(request))[0]?.held_event_json).toContain("erin@example.com");

      await redactCompletedErasures(bridgeEnv, deadline + HOLD_MS + 1);
      const [deletion] = await deliveriesOf(request);
      expect(deletion).toMatchObject({
        status: "dead",
        held_event_json: null,
        last_error_code: "erased_locally",
        last_error: "erased locally before the vendor deletion could be sent",
      });
      expect(await eventRow(request)).toMatchObject({ status: "failed" });
      const letters = await waitFor(deadLetters, (sent) => sent.some((m) => m.deliveryId === deletion?.id), {
        what: "the dead letter",
      });
      expect(letters.find((m) => m.deliveryId === deletion?.id)).toMatchObject({
        code: "erased_locally",
        reason: "erased locally before the vendor deletion could be sent",
      });
      expect((await storedText(request)).toLowerCase()).not.toContain("erin@example.com");
    } finally {
      await removePause(env.DB, "connection", "ometria-demo");
    }
  });

  it("keep an erasure not planned yet until its deletion is planned, at most as long as a hold", async () => {
    // Stored but never queued (a queue outage): nothing plans the deletion or the order on its own.
    const received = Date.now();
    const order = await storeUnqueued(
      "kooomo",
      kooomoOrder("300004", { id: 7004, email: "fay@example.com" }),
    );
    const request = await storeUnqueued("kooomo", kooomoErasure("fay-erasure", 7004, "fay@example.com"), {
      receivedAt: received,
    });

    const deadline = received + GRACE_MS;
    expect(await redactCompletedErasures(bridgeEnv, deadline)).toEqual({
      erasures: 1,
      completed: 0,
      events: 1,
    });
    expect((await storedText(order)).toLowerCase()).not.toContain("fay@example.com");
    expect(await eventRow(request)).toMatchObject({ status: "accepted", redacted_at: null });

    const bound = deadline + HOLD_MS;
    expect(await redactCompletedErasures(bridgeEnv, bound - 1)).toEqual({
      erasures: 1,
      completed: 0,
      events: 0,
    });
    expect(await redactCompletedErasures(bridgeEnv, bound)).toEqual({ erasures: 1, completed: 1, events: 1 });
    expect(await eventRow(request)).toMatchObject({
      status: "failed",
      status_reason: "erased locally before the vendor deletion could be sent",
      redacted_at: bound,
    });
    expect((await storedText(request)).toLowerCase()).not.toContain("fay@example.com");

    // Planning a redacted event later (the queue is back) plans nothing and says why, so no sweep re-sends it.
    const ctx = deliveryContext(bridgeEnv);
    for (const id of [order, request]) await planEvent(ctx, id, 1);
    expect(await deliveriesOf(order)).toEqual([]);
    expect(await deliveriesOf(request)).toEqual([]);
    expect(await eventRow(order)).toMatchObject({
      status: "failed",
      status_reason: "redacted by an erasure request before it was planned",
    });
    expect((await eventRow(request)).status_reason).toBe(
      "erased locally before the vendor deletion could be sent",
    );
  });
});
