import { z } from "zod";
import { decimalAmount, toMinorUnits } from "../../events/money";

/**
 * Tolerant field schemas for vendor payloads. Vendors differ (and drift) in how they encode the same
 * value, so each field here accepts the usual encodings and outputs one canonical form. Error messages
 * are short and specific because they end up, with their path, in an unrecognized event's `problems`.
 */

/** Error text for a field: "required" when absent, otherwise what was expected. */
const expecting =
  (what: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? "required" : `expected ${what}`;

/** Makes a field optional and treats `null` and blank strings as absent (PHP exports and Jinja templates send both). */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (value) => (value === null || (typeof value === "string" && value.trim() === "") ? undefined : value),
    schema.optional(),
  );
}

/** An identifier sent as a string or an integer; always a trimmed string afterwards. A blank id is a missing one. */
export const vendorId = z.preprocess((value) => {
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value === "string" && value.trim() === "") return undefined;
  return value;
}, z.string({ error: expecting("a string or integer id") }).trim());

/** Free text such as a name; trimmed. */
export const text = z.string({ error: expecting("a string") }).trim();

/** An e-mail address, trimmed and lower-cased so the same person matches across vendors. */
export const email = z
  .string({ error: expecting("an e-mail address") })
  .trim()
  .toLowerCase()
  .pipe(z.email("invalid e-mail address"));

const TRUTHY = new Set(["true", "1", "yes", "y", "on"]);
const FALSY = new Set(["false", "0", "no", "n", "off"]);

/** A yes/no value: true/false, 1/0, or the strings "1"/"0", "yes"/"no", "true"/"false", "on"/"off". */
export const flag = z.preprocess(
  (value) => {
    if (value === 1 || value === 0) return value === 1;
    if (typeof value !== "string") return value;
    const word = value.trim().toLowerCase();
    return TRUTHY.has(word) ? true : FALSY.has(word) ? false : value;
  },
  z.boolean({ error: expecting("true/false, 1/0 or yes/no") }),
);

/** A whole number, also when sent as a numeric string ("2"). */
export const count = z.preprocess(
  (value) => (typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value),
  z.number({ error: expecting("a whole number") }).int("expected a whole number"),
);

/** ISO 4217 code in any case ("eur" is fine); upper-cased. */
export const currency = z
  .string({ error: expecting("an ISO 4217 currency code") })
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, "expected an ISO 4217 currency code");

/** A decimal amount as a string ("12.30") or a number (12.3); converted later with `toMinorUnits`. */
export const amount = z.union(decimalAmount.options, { error: expecting("a decimal amount") });
export type Amount = z.infer<typeof amount>;

/** Plain date-times without a zone, as PHP and MySQL print them: "2024-05-01 10:15:00". */
const ZONELESS = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?$/;
/** Largest plausible Unix time in seconds (year 5138); bigger numbers are almost surely milliseconds. */
const MAX_UNIX_SECONDS = 1e11;

/**
 * A point in time as ISO 8601 with an offset, as Unix seconds, or zoneless ("2024-05-01 10:15:00",
 * taken as UTC). Output: an ISO 8601 string with an offset, which is what the canonical schemas require.
 */
export const timestamp = z.preprocess(
  (value) => {
    if (typeof value === "number") {
      return Number.isFinite(value) && value >= 0 && value < MAX_UNIX_SECONDS
        ? new Date(value * 1000).toISOString()
        : value;
    }
    if (typeof value !== "string") return value;
    const trimmed = value.trim();
    if (/^\d{9,10}$/.test(trimmed)) return new Date(Number(trimmed) * 1000).toISOString();
    const zoneless = ZONELESS.exec(trimmed);
    if (zoneless) return `${zoneless[1]}T${zoneless[2]}${zoneless[3] ?? ":00"}Z`;
    // PHP's DATE_ISO8601 writes the offset without a colon (+0100); RFC 3339 wants +01:00.
    return trimmed.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  },
  z.iso.datetime({ offset: true, error: expecting("an ISO 8601 date-time or Unix seconds") }),
);

/**
 * Reports each amount that cannot be expressed in the currency's minor units (e.g. "1.005" EUR) as an
 * issue on its own path, so normalizers can later call `toMinorUnits` knowing it will not throw.
 */
export function checkAmounts(
  ctx: z.RefinementCtx,
  currencyCode: string,
  amounts: ReadonlyArray<readonly [path: readonly PropertyKey[], value: Amount | undefined]>,
): void {
  for (const [path, value] of amounts) {
    // A malformed amount is already reported by its own field; zod still runs this refinement then.
    if (value === undefined || !amount.safeParse(value).success) continue;
    try {
      toMinorUnits(value, currencyCode);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        path: [...path],
        input: value,
        message: error instanceof Error ? error.message : "not a valid amount",
      });
    }
  }
}
