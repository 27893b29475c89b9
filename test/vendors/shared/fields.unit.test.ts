import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  amount,
  checkAmounts,
  count,
  currency,
  email,
  flag,
  optional,
  timestamp,
  vendorId,
} from "../../../src/vendors/shared/fields";

const messages = (schema: z.ZodType, value: unknown) =>
  schema.safeParse(value).error?.issues.map((i) => i.message);

describe("timestamp", () => {
  it.each([
    ["ISO 8601 in UTC", "2025-03-14T09:26:53Z", "2025-03-14T09:26:53Z"],
    ["ISO 8601 with an offset", "2025-03-14T10:26:53+01:00", "2025-03-14T10:26:53+01:00"],
    ["fractional seconds", "2025-03-14T09:26:53.120Z", "2025-03-14T09:26:53.120Z"],
    ["an offset without colon", "2025-03-14T10:26:53+0100", "2025-03-14T10:26:53+01:00"],
    ["zoneless with a space, as UTC", "2025-03-14 09:26:53", "2025-03-14T09:26:53Z"],
    ["zoneless without seconds", "2025-03-14T09:26", "2025-03-14T09:26:00Z"],
    ["Python's str(datetime), as UTC", "2025-03-18 09:15:00.123456", "2025-03-18T09:15:00.123456Z"],
    ["Unix seconds", 1741944413, "2025-03-14T09:26:53.000Z"],
    ["Unix seconds as a string", "1741944413", "2025-03-14T09:26:53.000Z"],
  ])("reads %s", (_label, input, iso) => {
    expect(timestamp.parse(input)).toBe(iso);
  });

  it.each([
    ["milliseconds", 1741944413000],
    ["a negative number", -1],
    ["a local date format", "14/03/2025"],
    ["a date without time", "2025-03-14"],
    ["a boolean", true],
  ])("rejects %s", (_label, input) => {
    expect(messages(timestamp, input)).toStrictEqual(["expected an ISO 8601 date-time or Unix seconds"]);
  });

  it("says required when absent", () => {
    expect(messages(timestamp, undefined)).toStrictEqual(["required"]);
  });
});

describe("flag", () => {
  it.each([true, 1, "1", "true", "True", "yes", "Y", "on", " yes "])("%j is true", (v) => {
    expect(flag.parse(v)).toBe(true);
  });
  it.each([false, 0, "0", "false", "FALSE", "no", "n", "off"])("%j is false", (v) => {
    expect(flag.parse(v)).toBe(false);
  });
  it.each(["maybe", 2, "None", null])("%j is not a yes/no value", (v) => {
    expect(messages(flag, v)).toStrictEqual(["expected true/false, 1/0 or yes/no"]);
  });
});

describe("vendorId", () => {
  it("turns integers into strings and trims strings", () => {
    expect(vendorId.parse(42)).toBe("42");
    expect(vendorId.parse(" evt_1 ")).toBe("evt_1");
  });
  it("rejects fractions and objects, and calls a blank id missing", () => {
    expect(messages(vendorId, 1.5)).toStrictEqual(["expected a string or integer id"]);
    expect(messages(vendorId, { id: 1 })).toStrictEqual(["expected a string or integer id"]);
    expect(messages(vendorId, "  ")).toStrictEqual(["required"]);
  });
});

describe("optional", () => {
  it("treats null and blank strings as absent, but still checks real values", () => {
    const schema = z.object({ name: optional(z.string()) });
    expect(schema.parse({ name: null })).toStrictEqual({ name: undefined });
    expect(schema.parse({ name: "  " })).toStrictEqual({ name: undefined });
    expect(schema.parse({})).toStrictEqual({});
    expect(schema.safeParse({ name: 5 }).success).toBe(false);
  });
});

describe("small fields", () => {
  it("email is trimmed, lower-cased and validated", () => {
    expect(email.parse(" Ada@Example.COM ")).toBe("ada@example.com");
    expect(messages(email, "ada@")).toStrictEqual(["invalid e-mail address"]);
  });
  it("count accepts numeric strings but not fractions", () => {
    expect(count.parse("3")).toBe(3);
    expect(count.parse(-2)).toBe(-2);
    expect(messages(count, "1.5")).toStrictEqual(["expected a whole number"]);
  });
  it("currency is upper-cased and must be three letters", () => {
    expect(currency.parse(" gbp ")).toBe("GBP");
    expect(messages(currency, "EURO")).toStrictEqual(["expected an ISO 4217 currency code"]);
  });
  it("amount accepts decimal strings and numbers only", () => {
    expect(amount.parse("12.30")).toBe("12.30");
    expect(amount.parse(12.3)).toBe(12.3);
    expect(messages(amount, "12,30")).toStrictEqual(["expected a decimal amount"]);
    expect(messages(amount, undefined)).toStrictEqual(["required"]);
  });
});

describe("checkAmounts", () => {
  const priced = z.object({ currency, total: amount, fee: optional(amount) }).superRefine((v, ctx) =>
    checkAmounts(ctx, v.currency, [
      [["total"], v.total],
      [["fee"], v.fee],
    ]),
  );

  it("passes amounts that fit the currency", () => {
    expect(priced.safeParse({ currency: "JPY", total: "500" }).success).toBe(true);
  });

  it("reports each amount that does not fit, on its own path", () => {
    const issues = priced.safeParse({ currency: "EUR", total: "1.005", fee: "0.001" }).error?.issues;
    expect(issues?.map((i) => [i.path, i.message])).toStrictEqual([
      [["total"], "1.005 has more decimals than EUR allows"],
      [["fee"], "0.001 has more decimals than EUR allows"],
    ]);
  });

  it("does not report a malformed amount twice", () => {
    const issues = priced.safeParse({ currency: "EUR", total: "1,5" }).error?.issues;
    expect(issues?.map((i) => i.message)).toStrictEqual(["expected a decimal amount"]);
  });
});
