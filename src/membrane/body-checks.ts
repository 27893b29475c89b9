import { z } from "zod";
import { hasKey } from "../lib/has-key";
import type { BodyCheck, BodyRefusal } from "./outcome";

const texts = z
  .union([z.string(), z.array(z.unknown())])
  .transform((v) =>
    (Array.isArray(v) ? v : [v]).filter(
      (t): t is string | number => typeof t === "string" || typeof t === "number",
    ),
  );

/**
 * Coupontools' envelope. Success: `{"status":{"status":"OK"}, ...}`. Failure (docs.coupontools.com, e.g. the
 * webhook verification and subaccount SSO pages): `{"status":{"status":"failed","errors":{"error_message":
 * "HTTP/1.0 422 ...","error_message_description":["..."],"error_code":[509]}}}`; the authentication page shows
 * `error_code` as a scalar, so both forms are read.
 */
const CoupontoolsStatus = z.object({
  status: z.object({
    status: z.string(),
    errors: z
      .looseObject({
        error_message: z.string().optional(),
        error_message_description: texts.optional(),
        error_code: z.union([z.string(), z.number(), z.array(z.unknown())]).optional(),
      })
      .optional(),
  }),
});

export interface CoupontoolsFailure extends BodyRefusal {
  /** Every `error_code` the answer lists, as strings (e.g. "304" for "Email already exists"). */
  codes: string[];
}

/** The failure a Coupontools body reports, or null when it says OK or has no Coupontools envelope. */
export function coupontoolsFailure(body: unknown): CoupontoolsFailure | null {
  // Most answers carry no envelope (an action's `{output}`): not parsed, so no ZodError is built for them.
  if (!hasKey(body, "status")) return null;
  const parsed = CoupontoolsStatus.safeParse(body);
  if (!parsed.success || parsed.data.status.status === "OK") return null;
  const errors = parsed.data.status.errors;
  const rawCodes = errors?.error_code;
  const codes = (Array.isArray(rawCodes) ? rawCodes : rawCodes === undefined ? [] : [rawCodes])
    .filter((c) => typeof c === "string" || typeof c === "number")
    .map(String);
  const descriptions = (errors?.error_message_description ?? []).map(String);
  const text =
    descriptions.length > 0
      ? descriptions.join("; ")
      : (errors?.error_message ?? `status ${parsed.data.status.status}`);
  const [first] = codes;
  return {
    reason: first === undefined ? text : `${text} (Coupontools error_code ${codes.join(", ")})`,
    codes,
    ...(first !== undefined && { vendorCode: first }),
  };
}

/**
 * Coupontools can answer an error with HTTP 200 (and the HTTP status of its error answers is not documented),
 * so every answer is read for its envelope. Bodies without the envelope are accepted: only an explicit
 * non-OK status is a refusal.
 */
export const coupontoolsBodyCheck: BodyCheck = (body) => {
  const failure = coupontoolsFailure(body);
  return (
    failure && {
      reason: failure.reason,
      ...(failure.vendorCode !== undefined && { vendorCode: failure.vendorCode }),
    }
  );
};
