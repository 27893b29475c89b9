import type { z } from "zod";
import { ConfigError } from "../errors";
import { describeConfigIssues } from "./routes";
import { varValue } from "./var-value";

/**
 * Parses one optional [vars.<NAME>] table of settings (every field has a default), or throws one
 * ConfigError naming each bad field, e.g. `invalid settings: DELIVERY.jitter: Too big`. A JSON string is
 * read as the table (`wrangler dev --var DELIVERY:'{...}'`, as `npm run soak` sets its own).
 */
export function parseSettings<S extends z.ZodType>(name: string, schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(varValue(raw) ?? {});
  if (!result.success) throw new ConfigError(`invalid settings: ${describeConfigIssues(name, result.error)}`);
  return result.data;
}
