import { z } from "zod";
import { ConfigError } from "../errors";
import { LOG_LEVELS, type LogLevel } from "../lib/log";

const LogLevelSchema = z.enum(LOG_LEVELS).default("info");

/** The LOG_LEVEL var: "info" (the default) logs every decision, "warn" and "error" only what went wrong. */
export function loadLogLevel(raw: unknown): LogLevel {
  const result = LogLevelSchema.safeParse(raw);
  if (!result.success)
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")} (got ${JSON.stringify(raw)})`);
  return result.data;
}
