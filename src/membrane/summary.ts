import { isSecretKey, redact, redactEmail } from "../lib/log";

/**
 * What is kept of a Membrane call for the delivery record: enough to see why it failed, never the
 * Authorization header, and with secret-named fields and e-mail addresses masked as in the logs.
 */
export interface RequestSummary {
  method: string;
  /** Path and query string of the Membrane URL (the host is the configured API base). */
  path: string;
  /** Excerpt of the JSON sent, at most EXCERPT_LIMIT_BYTES. */
  body?: string;
  /** How many records a batched call carried (its body is then not kept per delivery). */
  records?: number;
}

export interface ResponseSummary {
  status: number;
  contentType?: string;
  retryAfter?: string;
  /** Excerpt of the answer, at most EXCERPT_LIMIT_BYTES. */
  body: string;
  /** Set when the answer was longer than the client reads (src/membrane/client.ts): only this much was read. */
  truncatedAtBytes?: number;
}

export const EXCERPT_LIMIT_BYTES = 2048;
const TRUNCATED = "…[truncated]";
const encoder = new TextEncoder();

/** UTF-8 bytes of the character whose code point is `cp` (a lone surrogate is written as U+FFFD: 3 bytes). */
const utf8Bytes = (cp: number) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);

/** Cuts `text` so its UTF-8 form, marker included, fits in `limitBytes`, without splitting a character. */
export function excerpt(text: string, limitBytes = EXCERPT_LIMIT_BYTES): string {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: short text needs no counting.
  if (text.length * 3 <= limitBytes) return text;
  const budget = limitBytes - encoder.encode(TRUNCATED).byteLength;
  let used = 0;
  let end = 0;
  let fitsAt = -1;
  while (end < text.length) {
    const cp = text.codePointAt(end) ?? 0;
    const size = utf8Bytes(cp);
    if (used + size > budget && fitsAt < 0) fitsAt = end;
    used += size;
    if (used > limitBytes) return text.slice(0, fitsAt) + TRUNCATED;
    end += cp > 0xffff ? 2 : 1;
  }
  return text;
}

/** Top-level fields that hold part of a person's identity without looking like one. */
const PERSONAL_FIELDS = new Set([
  // Coupontools' loyalty user search term: the bridge sends the customer's e-mail local part.
  "search",
]);

/**
 * `JSON.stringify(redact(value))`, with the top-level PERSONAL_FIELDS masked too, written only until it is
 * longer than `limit` characters: a summary keeps 2 KB, and a list answer of thousands of users need not be
 * masked and written whole for that.
 */
export function maskedJsonPrefix(value: unknown, limit: number): string {
  const parts: string[] = [];
  let length = 0;
  const put = (text: string) => {
    parts.push(text);
    length += text.length;
  };
  const write = (v: unknown, key: string, top: boolean): void => {
    if (isSecretKey(key) && v !== undefined && v !== null) put('"[redacted]"');
    else if (typeof v === "string") put(JSON.stringify(redactEmail(v)));
    else if (Array.isArray(v)) {
      put("[");
      for (let i = 0; i < v.length && length <= limit; i++) {
        if (i > 0) put(",");
        write(v[i], "", false);
      }
      put("]");
    } else if (typeof v === "object" && v !== null) {
      put("{");
      let first = true;
      for (const [k, item] of Object.entries(v)) {
        if (length > limit) break;
        if (!first) put(",");
        first = false;
        put(`${JSON.stringify(k)}:`);
        write(top && PERSONAL_FIELDS.has(k) && typeof item === "string" ? "[redacted]" : item, k, false);
      }
      put("}");
    } else put(JSON.stringify(v) ?? "null");
  };
  write(value, "", true);
  return parts.join("");
}

/** The masked excerpt of a body: its JSON value when it is one (`json`, parsed here when not given), else its text. */
function maskedExcerpt(text: string, json?: { value: unknown }): string {
  let parsed = json;
  if (parsed === undefined) {
    try {
      parsed = { value: JSON.parse(text) };
    } catch {
      parsed = undefined;
    }
  }
  // Only the start of a long text is masked. A masked address keeps at least 8 of every 69 characters (a
  // 64-character local part becomes "***"), so 16× the limit masks to well over the limit: the excerpt is cut
  // and says so, and an address split at the end of the start lies past the cut.
  const start = text.slice(0, 16 * EXCERPT_LIMIT_BYTES);
  return excerpt(
    parsed === undefined ? redactEmail(start) : maskedJsonPrefix(parsed.value, EXCERPT_LIMIT_BYTES),
  );
}

/**
 * The path with e-mail addresses masked in each segment, read decoded (`%40` is an @): a declarative path may
 * be filled from the event (`/users/{data.customer.email}`), and a stored summary outlives what an erasure
 * can reach, so it never holds an address.
 */
function maskedPath(path: string): string {
  return path
    .split("/")
    .map((segment) => {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        decoded = segment;
      }
      const masked = redactEmail(decoded);
      return masked === decoded ? segment : encodeURIComponent(masked);
    })
    .join("/");
}

export function summarizeRequest(method: string, url: URL, body: string | undefined): RequestSummary {
  const query = new URLSearchParams();
  for (const [key, value] of url.searchParams) query.append(key, String(redact(value, key)));
  const search = query.size > 0 ? `?${query}` : "";
  const summary: RequestSummary = { method, path: maskedPath(url.pathname) + search };
  if (body !== undefined) summary.body = maskedExcerpt(body);
  return summary;
}

/** `json`: the body's parsed value when the caller has parsed it already. */
export function summarizeResponse(
  status: number,
  headers: Headers,
  body: string,
  json?: { value: unknown },
): ResponseSummary {
  const summary: ResponseSummary = { status, body: maskedExcerpt(body, json) };
  const contentType = headers.get("content-type");
  const retryAfter = headers.get("retry-after");
  if (contentType) summary.contentType = contentType;
  if (retryAfter) summary.retryAfter = retryAfter;
  return summary;
}
