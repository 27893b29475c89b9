import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { deliveryContext } from "../../src/delivery/context";
import { planEvent } from "../../src/delivery/plan-event";
import couponClaimed from "../fixtures/coupontools/coupon-claimed.json";
import couponValidated from "../fixtures/coupontools/coupon-validated.json";
import { adminJson } from "../support/admin";
import { acceptedId, countEvents, deliver, sentWebhook } from "../support/deliveries";
import { injectFault, recordCoupontoolsWebhooks, recordedRequests, resetEmulator } from "../support/emulator";
import { deliveriesOf, storeUnqueued } from "../support/stored-events";
import { waitFor } from "../support/wait";

// Coupontools deliveries through the real pipeline: ingress, D1, EVENTS_QUEUE, the planner's verification
// call to the emulator (POST /v3/webhook/verification through the proxy), then the reaction or the rejection.

interface EventState {
  status: string;
  status_reason: string | null;
  verification: string;
}

const eventRow = (id: string) =>
  env.DB.prepare("SELECT status, status_reason, verification FROM events WHERE id = ?1")
    .bind(id)
    .first<EventState>();

/** Waits until planning has decided (confirmed and done, rejected, or failed). */
const decided = (id: string) =>
  waitFor(
    () => eventRow(id),
    (r) => r !== null && ["done", "rejected", "failed"].includes(r.status),
    { what: `event ${id} to be decided`, timeoutMs: 10_000 },
  );

const pushes = async () => (await recordedRequests()).filter((r) => r.vendorPath === "/push" && !r.fault);
const coupon = (id: string, data: Record<string, unknown> = {}) => ({
  ...couponValidated,
  id,
  data: { ...couponValidated.data, ...data },
});

beforeEach(resetEmulator);

describe("a forged Coupontools event", () => {
  it("ends rejected / not_genuine with Coupontools' reason, shown by the admin API", async () => {
    const id = await acceptedId(
      await deliver("coupontools", coupon("evt_NeverSent1"), { sentByCoupontools: false }),
    );
    const row = await decided(id);
    expect(row).toEqual({
      status: "rejected",
      verification: "not_genuine",
      status_reason: "Coupontools: Webhook not found. HTTP/1.0 422 Unprocessable entity. (error_code 509)",
    });
    const shown = await adminJson<{ status: string; verification: string; status_reason: string }>(
      `/events/${id}`,
    );
    expect(shown).toMatchObject({
      status: "rejected",
      verification: "not_genuine",
      status_reason: expect.stringContaining("Webhook not found."),
    });
    expect(shown.status_reason).toContain("509");
    expect(await deliveriesOf(id)).toEqual([]);
    expect(await pushes()).toEqual([]);
  });

  it("reads the failure answer when Coupontools sends it with HTTP 200 and a scalar error_code", async () => {
    await injectFault({
      match: { pathPrefix: "/v3/webhook/verification" },
      status: 200,
      body: {
        status: {
          status: "failed",
          errors: { error_message_description: "Webhook not found.", error_code: 509 },
        },
      },
    });
    const id = await acceptedId(await deliver("coupontools", coupon("evt_NeverSent2")));
    expect(await decided(id)).toEqual({
      status: "rejected",
      verification: "not_genuine",
      status_reason: "Coupontools: Webhook not found. (error_code 509)",
    });
  });

  it("is not called forged when Coupontools refuses the call itself (bad credentials): could not confirm", async () => {
    await injectFault({
      match: { pathPrefix: "/v3/webhook/verification" },
      status: 401,
      body: {
        status: {
          status: "failed",
          errors: {
            error_code: 1000,
            error_message: "HTTP/1.0 401 Unauthorized. Client ID or Secret not correct.",
          },
        },
      },
    });
    const id = await acceptedId(await deliver("coupontools", coupon("evt_BadCredentials1")));
    const row = await decided(id);
    expect(row).toMatchObject({ status: "failed", verification: "pending_confirmation" });
    expect(row?.status_reason).toMatch(/^could not confirm the delivery with Coupontools: .*error_code 1000/);
  });
});

describe("the verification answer must agree with the delivery", () => {
  it.each([
    ["type", { type: "coupon_claimed" }],
    ["campaign", { campaign: "cam_99999" }],
    ["session", { session: "someoneelsessession" }],
  ] as const)("a different %s ends not_genuine, naming the field", async (field, differs) => {
    const delivered = coupon(`evt_Mismatch${field}`, { email: "mallory@example.com" });
    const sent = sentWebhook(delivered);
    if (!sent) throw new Error("fixture without id or kind");
    // Coupontools sent this id, but for another coupon (or kind) than the delivery claims.
    await recordCoupontoolsWebhooks([{ ...sent, ...differs }]);
    const id = await acceptedId(await deliver("coupontools", delivered, { sentByCoupontools: false }));
    const row = await decided(id);
    expect(row).toMatchObject({ status: "rejected", verification: "not_genuine" });
    expect(row?.status_reason).toContain(`disagrees with the delivery on ${field}:`);
    expect(await pushes()).toEqual([]);
  });

  it("compares the date when the delivery writes it as Coupontools does (zoneless text)", async () => {
    const delivered = { ...couponClaimed, id: "evt_DateCheck1" };
    const sent = sentWebhook(delivered);
    if (!sent) throw new Error("fixture without id or kind");
    await recordCoupontoolsWebhooks([{ ...sent, date: "2025-03-18 11:02:33" }]);
    const id = await acceptedId(await deliver("coupontools", delivered, { sentByCoupontools: false }));
    const row = await decided(id);
    expect(row).toMatchObject({ status: "rejected", verification: "not_genuine" });
    expect(row?.status_reason).toContain('on date: "2025-03-18 11:02:33" confirmed, "2025-03-18 10:02:33"');
  });

  it("rejects an answer that confirms another webhook than the one asked about", async () => {
    await injectFault({
      match: { pathPrefix: "/v3/webhook/verification" },
      status: 200,
      body: {
        status: { status: "OK" },
        result: "valid",
        webhook: "evt_SomethingElse",
        type: "coupon_validated",
      },
    });
    const id = await acceptedId(await deliver("coupontools", coupon("evt_AskedAbout1")));
    const row = await decided(id);
    expect(row).toMatchObject({ status: "rejected", verification: "not_genuine" });
    expect(row?.status_reason).toContain("on webhook:");
  });
});

describe("rows stored before ingress refused non-canonical ids", () => {
  it("are never confirmed: not_genuine without asking Coupontools", async () => {
    const id = await storeUnqueued("coupontools", coupon("evt_Legacy1"), { dedupeKey: " evt_Legacy1" });
    // Even an id Coupontools did send cannot vouch for a row keyed on another text.
    const sent = sentWebhook(coupon("evt_Legacy1"));
    if (sent) await recordCoupontoolsWebhooks([sent]);
    await planEvent(deliveryContext(env), id, 1);
    expect(await eventRow(id)).toEqual({
      status: "rejected",
      verification: "not_genuine",
      status_reason: "the delivery's event id is not a canonical Coupontools event id",
    });
    expect((await recordedRequests()).filter((r) => r.vendorPath === "/v3/webhook/verification")).toEqual([]);
  });
});

describe("the genuine path", () => {
  it("confirms on the answer's fields and reacts once", async () => {
    const id = await acceptedId(await deliver("coupontools", coupon("evt_Genuine42")));
    expect(await decided(id)).toEqual({ status: "done", verification: "confirmed", status_reason: null });
    const calls = await recordedRequests();
    expect(calls.filter((c) => c.vendorPath === "/v3/webhook/verification").map((c) => c.body)).toEqual([
      { webhook: "evt_Genuine42" },
    ]);
    expect(calls.find((c) => c.vendorPath === "/v3/webhook/verification")?.status).toBe(200);
    expect(await pushes()).toHaveLength(1);
  });

  it("a whitespace replay of a genuine id stores one event and reacts once", async () => {
    const genuine = await acceptedId(await deliver("coupontools", coupon("evt_ReplayE2E")));
    const before = await countEvents();
    for (const id of [" evt_ReplayE2E", "evt_ReplayE2E ", "\tevt_ReplayE2E"]) {
      const res = await deliver("coupontools", coupon(id, { email: "mallory@example.com", code: "FREE" }), {
        sentByCoupontools: false,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_event_id" } });
    }
    expect(await countEvents()).toBe(before);
    expect(await decided(genuine)).toMatchObject({ status: "done", verification: "confirmed" });
    const pushed = await pushes();
    expect(pushed).toHaveLength(1);
    expect(JSON.stringify(pushed[0]?.body)).not.toContain("mallory");
  });

  it("retries a transient verification failure and then confirms", async () => {
    await injectFault({ match: { pathPrefix: "/v3/webhook/verification" }, status: 503, times: 1 });
    const id = await acceptedId(await deliver("coupontools", coupon("evt_Transient1")));
    expect(
      await waitFor(
        () => eventRow(id),
        (r) => r?.status === "done",
        { what: "confirmation after a retry", timeoutMs: 15_000 },
      ),
    ).toMatchObject({ verification: "confirmed" });
  });
});
