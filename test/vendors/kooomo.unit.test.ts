import { describe, expect, it } from "vitest";
import { kooomo } from "../../src/vendors/kooomo";
import customerCreated from "../fixtures/kooomo/customer-created.json";
import customerErasure from "../fixtures/kooomo/customer-erasure-requested.json";
import customerUpdated from "../fixtures/kooomo/customer-updated.json";
import orderCancelled from "../fixtures/kooomo/order-cancelled.json";
import orderCreated from "../fixtures/kooomo/order-created.json";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import unknownEvent from "../fixtures/kooomo/unknown-event.json";

const { normalize } = kooomo;

/** A Kooomo delivery around `data`, for variations on one field. */
function delivery(event: string, data: unknown, extra: Record<string, unknown> = {}) {
  return { id: "evt_kooomo_test", event, created_at: "2025-03-14T09:26:53Z", data, ...extra };
}

/** The smallest order the schema accepts, plus overrides. */
function order(fields: Record<string, unknown> = {}) {
  return { id: 7, currency: "EUR", grand_total: "10.00", ...fields };
}

function recognizedData(body: unknown) {
  const result = normalize(body);
  if (!result.recognized) throw new Error(`expected recognized, got problems: ${result.problems.join("; ")}`);
  return result.data;
}

function problemsOf(body: unknown): string[] {
  const result = normalize(body);
  if (result.recognized) throw new Error(`expected unrecognized, got ${result.type}`);
  return result.problems;
}

describe("kooomo fixtures", () => {
  it("order.paid: totals in minor units, ids as strings, discount as the positive amount taken off", () => {
    expect(normalize(orderPaid)).toStrictEqual({
      recognized: true,
      type: "order.paid",
      vendorEventType: "order.paid",
      vendorEventId: "evt_kooomo_01JQ8X4M2T",
      time: "2025-03-14T09:26:53Z",
      subject: "orders/100045",
      data: {
        order_id: "100045",
        order_number: "KO-100045",
        status: "paid",
        customer: { id: "5512", email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" },
        total: { amount_minor: 11485, currency: "EUR" },
        subtotal: { amount_minor: 11990, currency: "EUR" },
        tax: { amount_minor: 2071, currency: "EUR" },
        shipping: { amount_minor: 495, currency: "EUR" },
        discount: { amount_minor: 1000, currency: "EUR" },
        line_items: [
          {
            sku: "TEE-BLK-M",
            product_id: "3301",
            name: "Black tee, M",
            quantity: 2,
            unit_price: { amount_minor: 4995, currency: "EUR" },
          },
          {
            sku: "CAP-01",
            product_id: "3302",
            name: "Cap",
            quantity: 1,
            unit_price: { amount_minor: 2000, currency: "EUR" },
          },
        ],
        placed_at: "2025-03-14T10:20:11+01:00",
      },
    });
  });

  it("order.created: numeric amounts, a guest buyer and a zoneless creation time taken as UTC", () => {
    expect(normalize(orderCreated)).toStrictEqual({
      recognized: true,
      type: "order.created",
      vendorEventType: "order.created",
      vendorEventId: "evt_kooomo_01JQ8X1B7K",
      time: "2025-03-14T09:20:12Z",
      subject: "orders/100046",
      data: {
        order_id: "100046",
        order_number: "100046",
        status: "pending",
        customer: { email: "grace@example.com", first_name: "Grace", last_name: "Hopper" },
        total: { amount_minor: 6450, currency: "GBP" },
        subtotal: { amount_minor: 5950, currency: "GBP" },
        shipping: { amount_minor: 500, currency: "GBP" },
        line_items: [
          { sku: "MUG-02", name: "Mug", quantity: 1, unit_price: { amount_minor: 5950, currency: "GBP" } },
        ],
        placed_at: "2025-03-14T09:20:10Z",
      },
    });
  });

  it("order.cancelled: no line items; an offset without a colon is normalised", () => {
    expect(normalize(orderCancelled)).toStrictEqual({
      recognized: true,
      type: "order.cancelled",
      vendorEventType: "order.cancelled",
      vendorEventId: "evt_kooomo_01JQ9C0Z4F",
      time: "2025-03-15T16:02:00+01:00",
      subject: "orders/100045",
      data: {
        order_id: "100045",
        order_number: "KO-100045",
        status: "cancelled",
        customer: { id: "5512", email: "ada@example.com" },
        total: { amount_minor: 11485, currency: "EUR" },
        line_items: [],
      },
    });
  });

  it("customer.created: e-mail lower-cased, privacy_marketing '1' is consent", () => {
    expect(normalize(customerCreated)).toStrictEqual({
      recognized: true,
      type: "customer.created",
      vendorEventType: "customer.created",
      vendorEventId: "evt_kooomo_01JQ7R2N6D",
      time: "2025-03-13T18:44:05Z",
      subject: "customers/5512",
      data: {
        customer_id: "5512",
        email: "ada@example.com",
        first_name: "Ada",
        last_name: "Lovelace",
        marketing_consent: true,
      },
    });
  });

  it("customer.updated: privacy_marketing '0' withdraws consent", () => {
    expect(normalize(customerUpdated)).toStrictEqual({
      recognized: true,
      type: "customer.updated",
      vendorEventType: "customer.updated",
      vendorEventId: "evt_kooomo_01JQA3V8HS",
      time: "2025-03-16T08:00:00Z",
      subject: "customers/5512",
      data: {
        customer_id: "5512",
        email: "ada@example.com",
        first_name: "Ada",
        last_name: "King",
        marketing_consent: false,
      },
    });
  });

  it("customer.erasure_requested: the request time comes from the payload", () => {
    expect(normalize(customerErasure)).toStrictEqual({
      recognized: true,
      type: "customer.erasure_requested",
      vendorEventType: "customer.erasure_requested",
      vendorEventId: "evt_kooomo_01JQB0E2RX",
      time: "2025-03-17T11:30:00Z",
      subject: "customers/5512",
      data: { customer_id: "5512", email: "ada@example.com", requested_at: "2025-03-17T11:29:40Z" },
    });
  });

  it("an unknown event is unrecognized and keeps its name and id", () => {
    expect(normalize(unknownEvent)).toStrictEqual({
      recognized: false,
      vendorEventType: "product.updated",
      vendorEventId: "evt_kooomo_01JQB9P0QW",
      problems: ['event: unknown Kooomo event "product.updated"'],
    });
  });
});

describe("kooomo amounts", () => {
  it.each([
    ["a decimal string", "19.99", 1999],
    ["a number", 19.99, 1999],
    ["a whole number", 20, 2000],
    ["a string with one decimal", "0.1", 10],
    ["a string with padding zeros", " 19.990 ", 1999],
  ])("accepts %s", (_label, grandTotal, minor) => {
    const data = recognizedData(delivery("order.paid", order({ grand_total: grandTotal })));
    expect(data).toMatchObject({ total: { amount_minor: minor, currency: "EUR" } });
  });

  it("uses the currency's own exponent: JPY has no minor digits", () => {
    const data = recognizedData(
      delivery(
        "order.paid",
        order({ currency: "JPY", grand_total: "1500", items: [{ quantity: 3, price: 500 }] }),
      ),
    );
    expect(data).toMatchObject({
      total: { amount_minor: 1500, currency: "JPY" },
      line_items: [{ quantity: 3, unit_price: { amount_minor: 500, currency: "JPY" } }],
    });
  });

  it("upper-cases the currency code", () => {
    expect(recognizedData(delivery("order.paid", order({ currency: "eur" })))).toMatchObject({
      total: { amount_minor: 1000, currency: "EUR" },
    });
  });

  it("rejects more decimals than the currency has, naming the field", () => {
    expect(
      problemsOf(delivery("order.paid", order({ currency: "JPY", grand_total: "1500.50" }))),
    ).toStrictEqual(["data.grand_total: 1500.50 has more decimals than JPY allows"]);
    expect(
      problemsOf(
        delivery(
          "order.paid",
          order({
            items: [
              { quantity: 1, price: "1.00" },
              { quantity: 1, price: "1.005" },
            ],
          }),
        ),
      ),
    ).toStrictEqual(["data.items[1].price: 1.005 has more decimals than EUR allows"]);
  });

  it("rejects amounts that are not decimals", () => {
    expect(problemsOf(delivery("order.paid", order({ subtotal: "12,50" })))).toStrictEqual([
      "data.subtotal: expected a decimal amount",
    ]);
    expect(problemsOf(delivery("order.paid", order({ tax_total: true })))).toStrictEqual([
      "data.tax_total: expected a decimal amount",
    ]);
  });

  it("takes a positive discount as it is", () => {
    expect(recognizedData(delivery("order.paid", order({ discount_total: "2.50" })))).toMatchObject({
      discount: { amount_minor: 250, currency: "EUR" },
    });
  });
});

describe("kooomo optional fields and aliases", () => {
  it("an order with only id, currency and total maps to the smallest canonical order", () => {
    expect(recognizedData(delivery("order.created", order()))).toStrictEqual({
      order_id: "7",
      customer: {},
      total: { amount_minor: 1000, currency: "EUR" },
      line_items: [],
    });
  });

  it("treats null and blank fields as absent", () => {
    const data = recognizedData(
      delivery("order.paid", order({ number: null, status: "", subtotal: null, customer: { email: " " } })),
    );
    expect(data).toStrictEqual({
      order_id: "7",
      customer: {},
      total: { amount_minor: 1000, currency: "EUR" },
      line_items: [],
    });
  });

  it("accepts `type` in place of `event` and a Unix-seconds creation time", () => {
    const result = normalize({ id: "evt_k_type", type: "order.paid", created_at: 1741944413, data: order() });
    expect(result).toMatchObject({ recognized: true, type: "order.paid", time: "2025-03-14T09:26:53.000Z" });
  });

  it("maps the US spelling order.canceled to order.cancelled and keeps the vendor's name", () => {
    expect(normalize(delivery("order.canceled", order()))).toMatchObject({
      recognized: true,
      type: "order.cancelled",
      vendorEventType: "order.canceled",
    });
  });

  it.each([
    ["1", true],
    [1, true],
    [true, true],
    ["yes", true],
    ["TRUE", true],
    ["0", false],
    [0, false],
    [false, false],
    ["no", false],
  ])("reads privacy_marketing %j as consent %s", (value, consent) => {
    const data = recognizedData(delivery("customer.updated", { id: 1, privacy_marketing: value }));
    expect(data).toStrictEqual({ customer_id: "1", marketing_consent: consent });
  });

  it("leaves consent undefined when Kooomo does not say", () => {
    expect(recognizedData(delivery("customer.updated", { id: 1, privacy_marketing: "" }))).toStrictEqual({
      customer_id: "1",
    });
  });

  it("rejects a consent value it cannot read rather than guessing", () => {
    expect(problemsOf(delivery("customer.updated", { id: 1, privacy_marketing: "maybe" }))).toStrictEqual([
      "data.privacy_marketing: expected true/false, 1/0 or yes/no",
    ]);
  });

  it("falls back to the envelope time when an erasure request has no time of its own", () => {
    expect(
      recognizedData(delivery("customer.erasure_requested", { email: "ada@example.com" })),
    ).toStrictEqual({
      email: "ada@example.com",
      requested_at: "2025-03-14T09:26:53Z",
    });
  });

  it("counts customer.deleted as an erasure request only when it is flagged as one", () => {
    const flagged = normalize(
      delivery("customer.deleted", { id: 9, email: "ada@example.com", erasure_requested: "1" }),
    );
    expect(flagged).toMatchObject({
      recognized: true,
      type: "customer.erasure_requested",
      vendorEventType: "customer.deleted",
      data: { customer_id: "9", email: "ada@example.com" },
    });
    expect(problemsOf(delivery("customer.deleted", { id: 9, email: "ada@example.com" }))).toStrictEqual([
      "data.erasure_requested: customer.deleted is treated as an erasure request only when this is true",
    ]);
    expect(problemsOf(delivery("customer.deleted", { id: 9, erasure_requested: "0" }))).toHaveLength(1);
  });
});

describe("kooomo invalid payloads", () => {
  it("an order without id names the path", () => {
    expect(normalize(delivery("order.paid", { currency: "EUR", grand_total: "1.00" }))).toStrictEqual({
      recognized: false,
      vendorEventType: "order.paid",
      vendorEventId: "evt_kooomo_test",
      problems: ["data.id: required"],
    });
  });

  it("reports every bad field, with nested paths", () => {
    const problems = problemsOf(
      delivery("order.paid", {
        id: 7,
        currency: "EURO",
        customer: { email: "not-an-email" },
        items: [{ sku: "A" }, { quantity: -1 }],
      }),
    );
    expect(problems).toStrictEqual([
      "data.currency: expected an ISO 4217 currency code",
      "data.grand_total: required",
      "data.customer.email: invalid e-mail address",
      "data.items[0].quantity: required",
      "data.items[1].quantity: must not be negative",
    ]);
  });

  it("an erasure request needs an e-mail address", () => {
    expect(problemsOf(delivery("customer.erasure_requested", { id: 5512 }))).toStrictEqual([
      "data.email: required",
    ]);
  });

  it("a customer event needs the customer id", () => {
    expect(problemsOf(delivery("customer.created", { email: "ada@example.com" }))).toStrictEqual([
      "data.id: required",
    ]);
  });

  it("a known event with data that is not an object", () => {
    expect(problemsOf(delivery("order.paid", "100045"))).toStrictEqual([
      expect.stringMatching(/^data: .*expected object/),
    ]);
  });

  it("an envelope without an event name", () => {
    expect(normalize({ id: "evt_x", data: order() })).toStrictEqual({
      recognized: false,
      problems: ["event: required"],
    });
  });

  it("bad envelope times are reported, milliseconds included", () => {
    expect(problemsOf(delivery("order.paid", order(), { created_at: "yesterday" }))).toStrictEqual([
      "created_at: expected an ISO 8601 date-time or Unix seconds",
    ]);
    expect(problemsOf(delivery("order.paid", order(), { created_at: 1741944413000 }))).toStrictEqual([
      "created_at: expected an ISO 8601 date-time or Unix seconds",
    ]);
  });

  it("event names that exist on every object are still unknown", () => {
    for (const event of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(problemsOf(delivery(event, {}))).toStrictEqual([`event: unknown Kooomo event "${event}"`]);
    }
  });

  it.each([
    ["null", null],
    ["an array", [orderPaid]],
    ["a string", "order.paid"],
    ["a number", 42],
    ["a boolean", true],
    ["an empty object", {}],
    ["undefined", undefined],
  ])("%s is unrecognized with a problem, never a throw", (_label, body) => {
    const result = normalize(body);
    expect(result.recognized).toBe(false);
    expect(result.recognized === false && result.problems.length).toBeGreaterThan(0);
  });

  it("describes a non-object body as a problem with the body itself", () => {
    expect(problemsOf(null)).toStrictEqual([
      expect.stringMatching(/^body: .*expected object, received null/),
    ]);
  });
});
