import { describe, expect, it } from "vitest";
import {
  type DeliveryClaims,
  mismatch,
  readVerificationAnswer,
  type VerificationAnswer,
} from "../../src/delivery/verification-answer";
import type { CallOutcome } from "../../src/membrane/outcome";

// The answer reader and the comparison on their own; the pipeline tests (coupontools-confirmation.test.ts)
// show them working against the emulator.

const request = { method: "POST", path: "/connections/c/proxy/v3/webhook/verification" };
const success = (body: unknown): CallOutcome => ({
  kind: "success",
  status: 200,
  source: "vendor",
  body,
  request,
  durationMs: 1,
});
const refused = (status: number, body: unknown, source: "vendor" | "membrane" = "vendor"): CallOutcome => ({
  kind: "permanent",
  code: "bad_request",
  reason: "refused",
  status,
  source,
  request,
  response: { status, body: JSON.stringify(body) },
  durationMs: 1,
});
const failed = (errors: Record<string, unknown>) => ({ status: { status: "failed", errors } });

describe("reading Coupontools' verification answer", () => {
  it("reads the documented failure (lists) as not found, with the text and code", () => {
    const body = failed({
      error_message: "HTTP/1.0 422 Unprocessable entity.",
      error_message_description: ["Webhook not found."],
      error_code: [509],
    });
    const expected = {
      kind: "not_found",
      reason: "Coupontools: Webhook not found. HTTP/1.0 422 Unprocessable entity. (error_code 509)",
    };
    expect(readVerificationAnswer(refused(422, body))).toEqual(expected);
    expect(readVerificationAnswer(success(body))).toEqual(expected);
  });

  it("accepts scalar and numeric-string codes", () => {
    expect(readVerificationAnswer(success(failed({ error_code: 509 })))).toMatchObject({ kind: "not_found" });
    expect(readVerificationAnswer(success(failed({ error_code: ["509"] })))).toMatchObject({
      kind: "not_found",
    });
  });

  it("reads other failures as a refusal, not a verdict on the event", () => {
    const auth = failed({ error_code: 1000, error_message: "HTTP/1.0 401 Unauthorized." });
    expect(readVerificationAnswer(refused(401, auth))).toEqual({
      kind: "refused",
      reason: "Coupontools: HTTP/1.0 401 Unauthorized. (error_code 1000)",
    });
  });

  it("does not read a Membrane error or an unknown body as Coupontools' answer", () => {
    const membrane = { type: "bad_request", key: "not_found", message: "Connection not found" };
    expect(readVerificationAnswer(refused(404, membrane, "membrane"))).toEqual({ kind: "unreadable" });
    expect(readVerificationAnswer(success({ hello: "world" }))).toEqual({ kind: "unreadable" });
    expect(readVerificationAnswer(success(null))).toEqual({ kind: "unreadable" });
  });

  it("reads the documented success answer", () => {
    const body = {
      status: { status: "OK" },
      result: "valid",
      webhook: "evt_JsOKTu2rlzjZsxPaleUx",
      date: "2017-10-09 09:57:57",
      campaign: "cam_12345",
      session: "s1",
      type: "coupon_validated",
    };
    expect(readVerificationAnswer(success(body))).toEqual({ kind: "answer", answer: body });
  });
});

describe("comparing the answer with the delivery", () => {
  const answer: VerificationAnswer = {
    status: { status: "OK" },
    result: "valid",
    webhook: "evt_A1",
    type: "coupon_validated",
    campaign: "cam_1",
    session: "s1",
    date: "2017-10-09 09:57:57",
  };
  const claims: DeliveryClaims = {
    webhook: "evt_A1",
    type: "coupon_validated",
    campaign: "cam_1",
    session: "s1",
    date: "2017-10-09 09:57:57",
  };

  it("agrees when every shared field is equal", () => {
    expect(mismatch(answer, claims)).toBeNull();
  });

  it("names the first field that differs", () => {
    expect(mismatch(answer, { ...claims, campaign: "cam_2" })).toBe(
      'Coupontools\' verification answer disagrees with the delivery on campaign: "cam_1" confirmed, "cam_2" delivered',
    );
    expect(mismatch(answer, { ...claims, type: "coupon_claimed" })).toMatch(/on type:/);
    expect(mismatch(answer, { ...claims, date: "2017-10-09 10:57:57" })).toMatch(/on date:/);
  });

  it("compares only fields both sides carry, except the webhook", () => {
    const { campaign: _c, session: _s, date: _d, ...bare } = answer;
    expect(mismatch(bare, claims)).toBeNull();
    expect(mismatch(answer, { webhook: "evt_A1" })).toBeNull();
    expect(mismatch({ ...answer, campaign: "" }, claims)).toBeNull();
    const { webhook: _w, ...anonymous } = answer;
    expect(mismatch(anonymous, claims)).toMatch(/does not name the webhook/);
    expect(mismatch({ ...answer, webhook: "evt_B2" }, claims)).toMatch(/on webhook:/);
  });

  it("skips a date the answer does not write as zoneless text", () => {
    expect(mismatch({ ...answer, date: "2017-10-09T09:57:57Z" }, claims)).toBeNull();
  });

  it("clips long values in the reason", () => {
    const reason = mismatch(answer, { ...claims, session: "x".repeat(500) }) ?? "";
    expect(reason.length).toBeLessThan(250);
  });
});
