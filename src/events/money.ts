import { z } from "zod";

/** An amount in integer minor units (cents) with its ISO 4217 currency, never a float. */
export const money = z.strictObject({
  amount_minor: z.number().int(),
  currency: z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code in capitals"),
});
export type Money = z.infer<typeof money>;

const digitsByCurrency = new Map<string, number>();

/**
 * Minor-unit digits of a currency (EUR 2, JPY 0, KWD 3), from the platform's ICU data; kept per currency,
 * because building a formatter costs more than the rest of an order's record.
 */
export function minorDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ??
      2;
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/**
 * Converts a decimal amount ("12.34", 12.34, "12", "-0.5") to integer minor units by string arithmetic,
 * so 0.1 + 0.2 style float errors cannot creep in. Rejects more decimals than the currency has.
 */
export function toMinorUnits(amount: string | number, currency: string): number {
  const text = typeof amount === "number" ? numberToPlain(amount) : amount.trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign, whole, fraction = ""] = match;
  const digits = minorDigits(currency);
  const trimmed = fraction.replace(/0+$/, "");
  if (trimmed.length > digits) throw new RangeError(`${text} has more decimals than ${currency} allows`);
  const minor = Number(`${whole}${fraction.padEnd(digits, "0").slice(0, digits)}`);
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount out of range: ${text}`);
  return sign === "-" && minor !== 0 ? -minor : minor;
}

function numberToPlain(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError("amount must be finite");
  // toString gives the shortest round-trip form ("12.34"), which is what the sender meant.
  const s = n.toString();
  if (/e/i.test(s)) return n.toFixed(20).replace(/\.?0+$/, "");
  return s;
}

/** A zod field that accepts a decimal string or number and leaves it for `toMinorUnits`. */
export const decimalAmount = z.union([
  z.string().regex(/^\s*-?\d+(\.\d+)?\s*$/, "expected a decimal amount"),
  z.number(),
]);

/** Back to a decimal number in major units (1234 EUR cents -> 12.34), for APIs that want decimals. */
export function toMajorUnits(value: Money): number {
  return value.amount_minor / 10 ** minorDigits(value.currency);
}
