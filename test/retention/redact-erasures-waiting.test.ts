import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { redactCompletedErasures } from "../../src/retention/redact-erasures";
import { injectFault, resetEmulator } from "../support/emulator";
import { eventRow, settled, storedText } from "../support/stored-events";
import { coupontoolsCoupon, kooomoErasure, kooomoOrder, send } from "./payloads";

// Events of the person still being delivered are left to finish, so no recipe is handed a redacted event,
// but only until the erasure's deadline: received + RETENTION.erasure_grace_minutes (5 by default).

const bridgeEnv: Env = env;
const MINUTE_MS = 60_000;

beforeEach(resetEmulator);

describe("an erasure request with events of the person still in progress", () => {
  it("redacts the rest, then those events once they finish or at the erasure's deadline", async () => {
    // Coupontools cannot confirm Bob's coupon, so that event stays queued while the erasure completes.
    await injectFault({ match: { pathPrefix: "/v3/webhook/verification" }, status: 503, times: 1_000 });
    const coupon = await send(
      "coupontools",
      coupontoolsCoupon("bobCoupon", { email: "bob@example.com", firstname: "Bob", customer_id: "8001" }),
    );
    const order = await send("kooomo", kooomoOrder("400001", { id: 8001, email: "bob@example.com" }));
    const request = await send("kooomo", kooomoErasure("bob-erasure", 8001, "bob@example.com"));
    await Promise.all([settled(order), settled(request)]);
    expect((await eventRow(coupon)).status).toBe("queued");

    const now = Date.now();
    expect(await redactCompletedErasures(bridgeEnv, now)).toEqual({ erasures: 1, completed: 0, events: 1 });
    expect((await eventRow(order)).redacted_at).toBe(now);
    expect(await storedText(coupon)).toContain("bob@example.com");
    // The erasure itself stays as it is, so the next runs look for the rest.
    expect(await eventRow(request)).toMatchObject({ redacted_at: null, raw_body: expect.any(String) });
    const deadline = (await eventRow(request)).received_at + 5 * MINUTE_MS;
    expect(await redactCompletedErasures(bridgeEnv, deadline - 1)).toEqual({
      erasures: 1,
      completed: 0,
      events: 0,
    });

    // The deadline passed: the coupon still in progress is redacted too (its planning then finds it redacted).
    expect(await redactCompletedErasures(bridgeEnv, deadline)).toEqual({
      erasures: 1,
      completed: 1,
      events: 2,
    });
    for (const id of [coupon, request]) {
      expect((await storedText(id)).toLowerCase()).not.toContain("bob@example.com");
      expect((await eventRow(id)).redacted_at).toBe(deadline);
    }
  });
});
