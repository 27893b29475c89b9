import { describe, expect, it } from "vitest";
import { callLabel } from "../../../src/admin/dashboard/event/call-label";
import { maskedJson, summarizeEvent } from "../../../src/admin/dashboard/event/event-summary";

describe("summarizeEvent", () => {
  it("shows an order's number, amount and customer with the e-mail and name masked", () => {
    const fields = summarizeEvent({
      type: "order.paid",
      data: {
        order_id: "100045",
        order_number: "KO-1045",
        total: { amount_minor: 24_950, currency: "EUR" },
        customer: { id: "5512", email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" },
      },
    });
    expect(fields).toEqual([
      ["Order", "KO-1045 (id 100045)"],
      ["Amount", "€249.50"],
      ["Customer", "A. L. · ***@example.com · id 5512"],
    ]);
    expect(JSON.stringify(fields)).not.toMatch(/ada@|Lovelace/);
  });

  it("shows the bridge's own events as their ids and codes", () => {
    const fields = summarizeEvent({
      type: "hookbridge.delivery_dead",
      data: {
        delivery_id: "e:r",
        event_id: "e",
        reaction: "r",
        connection: "c",
        code: "vendor_rejected",
        attempts: 1,
      },
    });
    expect(fields).toContainEqual(["code", "vendor_rejected"]);
    expect(fields).toContainEqual(["delivery id", "e:r"]);
  });
});

describe("maskedJson", () => {
  it("masks every personal value wherever it appears, and e-mails anywhere", () => {
    const raw = JSON.stringify({
      event: "order.paid",
      data: {
        billing: { firstname: "Ada", street: "12 St James's Square" },
        note: "call Ada",
        contact: "x@y.io",
      },
    });
    const masked = maskedJson(raw);
    expect(masked).not.toMatch(/Ada|St James|x@y\.io/);
    expect(masked).toContain('"note": "call ***"');
    expect(masked).toContain("***@y.io");
    expect(maskedJson("not json ada@example.com")).toBe("not json ***@example.com");
  });
});

describe("callLabel", () => {
  it("names the action of POST /act and of the legacy run path, and the vendor path of a proxy call", () => {
    expect(
      callLabel({ method: "POST", path: "/act", body: '{"key":"send-coupon-by-email","input":{}}' }),
    ).toBe("action send-coupon-by-email");
    expect(callLabel({ method: "POST", path: "/actions/add-stamps/run?connectionId=c" })).toBe(
      "action add-stamps",
    );
    expect(callLabel({ method: "POST", path: "/connections/ometria-demo/proxy/push?x=1" })).toBe(
      "proxy POST /push",
    );
    expect(callLabel({ method: "GET", path: "/connections/c" })).toBe("GET /connections/c");
    expect(callLabel({ method: "POST", path: "/act", body: "…[truncated]" })).toBe("POST /act");
  });
});
