import { z } from "zod";
import { InvalidRequestError } from "../../errors";
import { describeIssues } from "../../lib/zod-issues";
import type { DashboardContext } from "./dashboard-env";

/**
 * Where an action redirects after it ran: a dashboard path only (never another site), the overview when the
 * field is missing or odd. A path that starts with "/admin" cannot name another host; the rest is limited to
 * visible ASCII without backslashes, as the dashboard's own (URL-encoded) links are.
 */
export const returnTo = z
  .string()
  .regex(/^\/admin(?:[/?][!-[\]-~]*)?$/)
  .catch("/admin");

/** An HTML checkbox: sent as "on" when ticked, absent otherwise. */
export const checkbox = z
  .literal("on")
  .optional()
  .transform((value) => value === "on");

/** A text field or select where "" means "no filter". */
export const optionalText = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((value) => (value ? value : undefined));

/** Reads a urlencoded or multipart form and validates it; a malformed form is a 400 listing the problems. */
export async function readForm<S extends z.ZodType>(c: DashboardContext, schema: S): Promise<z.output<S>> {
  return validate(schema, await c.req.parseBody(), "form");
}

/** The query string of a GET form, validated the same way. */
export function readQuery<S extends z.ZodType>(c: DashboardContext, schema: S): z.output<S> {
  return validate(schema, c.req.query(), "query string");
}

export function validate<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidRequestError(
    `Invalid ${where}.`,
    describeIssues(result.error, { whole: where, unknownKeys: true }),
  );
}
