import { describe, expect, it } from "vitest";
import { vendors } from "../../src/vendors";
import type { VendorName } from "../../src/vendors/types";
import couponClaimed from "../fixtures/coupontools/coupon-claimed.json";
import couponValidated from "../fixtures/coupontools/coupon-validated.json";
import stampsAdded from "../fixtures/coupontools/loyalty-stamps-added.json";
import kooomoCustomerCreated from "../fixtures/kooomo/customer-created.json";
import kooomoErasure from "../fixtures/kooomo/customer-erasure-requested.json";
import kooomoCustomerUpdated from "../fixtures/kooomo/customer-updated.json";
import orderCancelled from "../fixtures/kooomo/order-cancelled.json";
import orderCreated from "../fixtures/kooomo/order-created.json";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import contactUnsubscribed from "../fixtures/ometria/contact-unsubscribed.json";
import ometriaErasure from "../fixtures/ometria/customer-erasure-requested.json";
import ometriaCustomerUpdated from "../fixtures/ometria/customer-updated.json";

const fixtures: Record<VendorName, unknown[]> = {
  kooomo: [
    orderPaid,
    orderCreated,
    orderCancelled,
    kooomoCustomerCreated,
    kooomoCustomerUpdated,
    kooomoErasure,
  ],
  ometria: [contactUnsubscribed, ometriaCustomerUpdated, ometriaErasure],
  coupontools: [couponValidated, couponClaimed, stampsAdded],
};

/** Values a broken or hostile sender could put anywhere in a body. */
const junk: unknown[] = [
  null,
  "",
  " ",
  "x",
  -1,
  1.5,
  1e300,
  true,
  [],
  {},
  [1],
  { a: 1 },
  "1.005",
  "__proto__",
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside `value`, the root excluded. */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...at, key], ...paths(child, [...at, key])]);
}

function replaced(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(value) as Json;
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = replacement;
  return copy;
}

describe.each(Object.keys(fixtures) as VendorName[])("%s normalizer under damaged payloads", (vendor) => {
  it("answers for every field replaced by junk, without relying on the exception backstop", () => {
    let cases = 0;
    for (const fixture of fixtures[vendor]) {
      for (const path of paths(fixture)) {
        for (const value of junk) {
          const result = vendors[vendor].normalize(replaced(fixture, path, value));
          cases++;
          if (result.recognized) continue;
          expect(result.problems.length, `${path.join(".")} = ${JSON.stringify(value)}`).toBeGreaterThan(0);
          for (const problem of result.problems) expect(problem).not.toMatch(/^normalizer failed/);
        }
      }
    }
    expect(cases).toBeGreaterThan(100);
  });
});
