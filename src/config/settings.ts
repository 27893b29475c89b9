import type { z } from "zod";
import { ConfigError } from "../errors";
import { describeConfigIssues } from "./routes";

/**
 * Parses one optional [vars.<NAME>] table of settings (every field has a default), or throws one
 * ConfigError naming each bad field, e.g. `invalid settings: DELIVERY.jitter: Too big`.
 */
export function parseSettings<S extends z.ZodType>(name: string, schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(`invalid settings: ${describeConfigIssues(name, result.error)}`);
  return result.data;
}
