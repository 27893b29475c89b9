/**
 * One structured JSON line per decision. Values pass through `redact` first so customer e-mails and
 * tokens never reach the logs in clear.
 */
export type LogFields = Record<string, unknown>;

const EMAIL = /[A-Za-z0-9._%+-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const SECRET_KEYS = /(secret|token|authorization|password|signature|api[-_]?key)/i;

export function redactEmail(value: string): string {
  return value.replace(EMAIL, (_m, domain: string) => `***@${domain}`);
}

/** A field whose value is masked whatever it holds. */
export const isSecretKey = (key: string): boolean => SECRET_KEYS.test(key);

export function redact(value: unknown, key = ""): unknown {
  if (isSecretKey(key) && value !== undefined && value !== null) return "[redacted]";
  if (typeof value === "string") return redactEmail(value);
  if (Array.isArray(value)) return value.map((v) => redact(v));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

/** From least to most severe: a threshold keeps its own level and those after it. */
export const LOG_LEVELS = ["info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

let threshold = 0;

/** Drops lines below `level` from now on; the worker sets it once at start-up from LOG_LEVEL (src/index.ts). */
export function setLogLevel(level: LogLevel): void {
  threshold = LOG_LEVELS.indexOf(level);
}

export function log(level: LogLevel, msg: string, fields: LogFields = {}): void {
  if (LOG_LEVELS.indexOf(level) < threshold) return;
  const line = JSON.stringify({ level, msg, ...(redact(fields) as LogFields) });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
