import { describe, expect, it } from "vitest";
import { minorDigits, toMinorUnits } from "../../src/events/money";

describe("toMinorUnits", () => {
  it.each([
    ["12.34", "EUR", 1234],
    ["12", "EUR", 1200],
    ["12.3", "EUR", 1230],
    ["12.340", "EUR", 1234],
    [" 7.05 ", "EUR", 705],
    ["0.01", "USD", 1],
    ["500", "JPY", 500],
    ["1.234", "KWD", 1234],
    ["-5.50", "EUR", -550],
    ["-0.00", "EUR", 0],
    ["90071992547409.91", "EUR", 9007199254740991],
  ])("%s %s is %i minor units", (amount, currency, minor) => {
    expect(toMinorUnits(amount, currency)).toBe(minor);
  });

  it.each([
    [19.99, "EUR", 1999],
    [0.3, "EUR", 30],
    [1.1, "GBP", 110],
    [500, "JPY", 500],
    [-12.5, "EUR", -1250],
  ])("number %d %s is %i minor units, without float drift", (amount, currency, minor) => {
    expect(toMinorUnits(amount, currency)).toBe(minor);
  });

  it("adds exactly where floats do not: 0.1 + 0.2", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(toMinorUnits("0.1", "EUR") + toMinorUnits("0.2", "EUR")).toBe(toMinorUnits("0.3", "EUR"));
  });

  it("rejects a number that already carries float drift instead of rounding it", () => {
    expect(() => toMinorUnits(0.1 + 0.2, "EUR")).toThrow(/more decimals than EUR allows/);
  });

  it.each([
    ["1.005", "EUR"],
    ["500.5", "JPY"],
    ["0.0001", "KWD"],
  ])("rejects %s %s: more decimals than the currency has", (amount, currency) => {
    expect(() => toMinorUnits(amount, currency)).toThrow(
      new RangeError(`${amount} has more decimals than ${currency} allows`),
    );
  });

  it.each(["", "abc", "1,50", "1e3", ".5", "5.", "--1", "1.2.3"])(
    "rejects %j as not a decimal amount",
    (amount) => {
      expect(() => toMinorUnits(amount, "EUR")).toThrow(RangeError);
    },
  );

  it("rejects non-finite numbers and amounts beyond exact integers", () => {
    expect(() => toMinorUnits(Number.NaN, "EUR")).toThrow(RangeError);
    expect(() => toMinorUnits(Number.POSITIVE_INFINITY, "EUR")).toThrow(RangeError);
    expect(() => toMinorUnits("90071992547409.92", "EUR")).toThrow(/out of range/);
    expect(() => toMinorUnits(1e-7, "EUR")).toThrow(/more decimals/);
  });
});

describe("minorDigits", () => {
  it("knows the exponent of common currencies", () => {
    expect([minorDigits("EUR"), minorDigits("JPY"), minorDigits("KWD"), minorDigits("GBP")]).toStrictEqual([
      2, 0, 3, 2,
    ]);
  });
});
