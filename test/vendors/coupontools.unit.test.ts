import { describe, expect, it } from "vitest";
import { coupontools } from "../../src/vendors/coupontools";
import couponClaimed from "../fixtures/coupontools/coupon-claimed.json";
import couponValidated from "../fixtures/coupontools/coupon-validated.json";
import stampsAdded from "../fixtures/coupontools/loyalty-stamps-added.json";
import unknownEvent from "../fixtures/coupontools/unknown-event.json";

const { normalize } = coupontools;

function notification(type: string, data: unknown, extra: Record<string, unknown> = {}) {
  return { id: "evt_test0000000000000001", type, created: 1742293800, data, ...extra };
}

function problemsOf(body: unknown): string[] {
  const result = normalize(body);
  if (result.recognized) throw new Error(`expected unrecognized, got ${result.type}`);
  return result.problems;
}

describe("coupontools fixtures", () => {
  it("coupon_validated: Unix seconds become the occurrence time; Coupontools' own names are mapped", () => {
    expect(normalize(couponValidated)).toStrictEqual({
      recognized: true,
      type: "coupon.validated",
      vendorEventType: "coupon_validated",
      vendorEventId: "evt_JsOKTu2rlzjZsxPaleUx",
      time: "2025-03-18T10:30:00.000Z",
      subject: "coupon-sessions/8yx7hpxuu69k0zga93nix",
      data: {
        coupon_id: "cam_12345",
        session_id: "8yx7hpxuu69k0zga93nix",
        code: "SPRING-4F7K",
        customer: { id: "5512", email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" },
        occurred_at: "2025-03-18T10:30:00.000Z",
      },
    });
  });

  it("coupon_claimed: `event` key, `date` time, snake_case names and a numeric coupon id", () => {
    expect(normalize(couponClaimed)).toStrictEqual({
      recognized: true,
      type: "coupon.claimed",
      vendorEventType: "coupon_claimed",
      vendorEventId: "evt_Q2m8RkV0pZt6LwYx3NcA",
      time: "2025-03-18T10:02:33Z",
      subject: "coupon-sessions/k3v9qmw2r7x5ty8zp1ab",
      data: {
        coupon_id: "12345",
        session_id: "k3v9qmw2r7x5ty8zp1ab",
        customer: { email: "grace@example.com", first_name: "Grace", last_name: "Hopper" },
        occurred_at: "2025-03-18T10:02:33Z",
      },
    });
  });

  it("loyalty_stamp_added: card id, user, stamps and balance as integers", () => {
    expect(normalize(stampsAdded)).toStrictEqual({
      recognized: true,
      type: "loyalty.stamps_added",
      vendorEventType: "loyalty_stamp_added",
      vendorEventId: "evt_Hn4dT7sWq1Bz9KeP0vRm",
      time: "2025-03-18T12:45:10+00:00",
      subject: "loyalty-cards/234567",
      data: {
        loyalty_card_id: "234567",
        user_id: "usr_7f3k2m",
        customer: { email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" },
        stamps: 2,
        balance: 7,
      },
    });
  });

  it("an unknown notification kind is unrecognized and keeps its name and id", () => {
    expect(normalize(unknownEvent)).toStrictEqual({
      recognized: false,
      vendorEventType: "directory_user_created",
      vendorEventId: "evt_Zx8cV5bN2mL4kJ7hG1fD",
      problems: ['type: unknown Coupontools notification kind "directory_user_created"'],
    });
  });
});

describe("coupontools variations", () => {
  it("`type` wins over `event` when both are present", () => {
    const body = notification("coupon_validated", { session: "s1" }, { event: "coupon_claimed" });
    expect(normalize(body)).toMatchObject({ recognized: true, type: "coupon.validated" });
  });

  it("a coupon known only by campaign gets a coupon subject", () => {
    expect(normalize(notification("coupon_claimed", { campaign: "cam_9" }))).toMatchObject({
      recognized: true,
      subject: "coupons/cam_9",
      data: { coupon_id: "cam_9", customer: {} },
    });
  });

  it("accepts the plural kind and snake_case loyalty fields with numeric strings", () => {
    const body = notification("loyalty_stamps_added", {
      loyalty_card_id: "234567",
      user_id: 81,
      stamps_added: "3",
      balance: 10,
      first_name: "Grace",
    });
    expect(normalize(body)).toMatchObject({
      recognized: true,
      type: "loyalty.stamps_added",
      vendorEventType: "loyalty_stamps_added",
      data: {
        loyalty_card_id: "234567",
        user_id: "81",
        stamps: 3,
        balance: 10,
        customer: { first_name: "Grace" },
      },
    });
  });

  it("without any time the event has none", () => {
    const { created: _omitted, ...body } = notification("coupon_validated", { session: "s1" });
    const result = normalize(body);
    expect(result).toMatchObject({ recognized: true, data: { session_id: "s1", customer: {} } });
    expect(result).not.toHaveProperty("time");
    expect(result.recognized && result.data).not.toHaveProperty("occurred_at");
  });
});

describe("coupontools invalid payloads", () => {
  it("a coupon notification must name the session or the coupon", () => {
    expect(normalize(notification("coupon_validated", { email: "ada@example.com" }))).toStrictEqual({
      recognized: false,
      vendorEventType: "coupon_validated",
      vendorEventId: "evt_test0000000000000001",
      problems: ["data.session: needs session (or session_id) or campaign (or coupon_id)"],
    });
  });

  it("stamps need a card and a count", () => {
    expect(problemsOf(notification("loyalty_stamp_added", { user: "u1" }))).toStrictEqual([
      "data.loyaltycard: required (or loyalty_card_id)",
      "data.stamps: required (or stamps_added)",
    ]);
  });

  it("stamps must be whole numbers", () => {
    expect(problemsOf(notification("loyalty_stamp_added", { loyaltycard: 1, stamps: 1.5 }))).toStrictEqual([
      "data.stamps: expected a whole number",
    ]);
  });

  it("a bad e-mail address is named by path", () => {
    expect(problemsOf(notification("coupon_claimed", { session: "s1", email: "ada@" }))).toStrictEqual([
      "data.email: invalid e-mail address",
    ]);
  });

  it("a notification without a kind", () => {
    expect(normalize({ id: "evt_x", data: { session: "s1" } })).toStrictEqual({
      recognized: false,
      problems: ["type: required (or event)"],
    });
  });

  it.each([
    ["null", null],
    ["an array", []],
    ["a string", "evt_JsOKTu2rlzjZsxPaleUx"],
    ["a number", 1],
    ["an empty object", {}],
  ])("%s is unrecognized with a problem, never a throw", (_label, body) => {
    const result = normalize(body);
    expect(result.recognized).toBe(false);
    expect(result.recognized === false && result.problems.length).toBeGreaterThan(0);
  });
});
