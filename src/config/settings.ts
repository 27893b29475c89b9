import type { z } from "zod";
import { ConfigError } from "../errors";
import { describeConfigIssues } from "./routes";

/**
 * Parses one optional [vars.<NAME>] table of settings (every field has a default), or throws one
 * ConfigError naming each bad field, e.g. `invalid settings: DELIVERY.jitter: Too big`. A JSON string is
 * read as the table (`wrangler dev --var DELIVERY:'{...}'`, as `npm run soak` sets its own).
 */
export function parseSettings<S extends z.ZodType>(name: string, schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(typeof raw === "string" ? jsonOrText(raw) : (raw ?? {}));
  if (!result.success) throw new ConfigError(`invalid settings: ${describeConfigIssues(name, result.error)}`);
  return result.data;
}

/** The JSON a string holds, or the string itself (then refused by the schema with its own message). */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
