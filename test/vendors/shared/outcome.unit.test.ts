import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { OrderData } from "../../../src/events/types";
import { describeIssues, neverThrows, recognized } from "../../../src/vendors/shared/outcome";

const meta = { vendorEventType: "order.paid", vendorEventId: "evt_1" };
const order: OrderData = {
  order_id: "1",
  customer: {},
  total: { amount_minor: 100, currency: "EUR" },
  line_items: [],
};

describe("describeIssues", () => {
  it("formats paths with dots and array indexes, under a prefix", () => {
    const schema = z.object({ items: z.array(z.object({ price: z.number() })) });
    const error = schema.safeParse({ items: [{ price: 1 }, { price: "x" }] }).error;
    expect(error && describeIssues(error, ["data"])).toStrictEqual([
      "data.items[1].price: Invalid input: expected number, received string",
    ]);
  });

  it("names the body when the issue is at the root", () => {
    const error = z.object({}).safeParse(null).error;
    expect(error && describeIssues(error)).toStrictEqual([
      "body: Invalid input: expected object, received null",
    ]);
  });
});

describe("recognized", () => {
  it("returns the data without undefined keys, with the envelope details", () => {
    const result = recognized(
      "order.paid",
      { ...order, status: undefined },
      { ...meta, time: undefined, subject: "orders/1" },
    );
    expect(result).toStrictEqual({
      recognized: true,
      type: "order.paid",
      data: order,
      subject: "orders/1",
      ...meta,
    });
  });

  it("refuses data that breaks the canonical contract, whatever the mapping produced", () => {
    const broken = { ...order, total: { amount_minor: 1.5, currency: "eur" } };
    expect(recognized("order.paid", broken, meta)).toStrictEqual({
      recognized: false,
      ...meta,
      problems: [
        "canonical order.paid total.amount_minor: Invalid input: expected int, received number",
        "canonical order.paid total.currency: ISO 4217 code in capitals",
      ],
    });
  });
});

describe("neverThrows", () => {
  it("turns an exception into an unrecognized result", () => {
    const normalize = neverThrows(() => {
      throw new TypeError("boom");
    });
    expect(normalize({})).toStrictEqual({ recognized: false, problems: ["normalizer failed: boom"] });
  });
});
