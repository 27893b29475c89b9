import { expect, it } from "vitest";
import type { OrderData } from "../../src/events/types";
import { stampsFor } from "../../src/reactions/recipes/coupontools-add-stamps";

const order = (amount_minor: number, currency = "EUR"): OrderData => ({
  order_id: "1",
  customer: {},
  total: { amount_minor, currency },
  line_items: [],
});

it("gives a flat number of stamps per order", () => {
  expect(stampsFor(order(1), { per: "order", stamps: 2 })).toBe(2);
});

it("gives one stamp per N whole currency units, capped, and none for another currency", () => {
  const rule = { per: "amount", per_units: 10, currency: "EUR", max_stamps: 5 } as const;
  expect(stampsFor(order(4_999), rule)).toBe(4);
  expect(stampsFor(order(999), rule)).toBe(0);
  expect(stampsFor(order(100_000), rule)).toBe(5);
  expect(stampsFor(order(5_000, "GBP"), rule)).toBeNull();
  expect(stampsFor(order(5_000, "JPY"), { per: "amount", per_units: 1000, currency: "JPY" })).toBe(5);
});
