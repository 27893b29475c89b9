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

export function log(level: "info" | "warn" | "error", msg: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, msg, ...(redact(fields) as LogFields) });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
