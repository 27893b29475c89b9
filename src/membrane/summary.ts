import { redact, redactEmail } from "../lib/log";

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

/** Cuts `text` so its UTF-8 form, marker included, fits in `limitBytes`, without splitting a character. */
export function excerpt(text: string, limitBytes = EXCERPT_LIMIT_BYTES): string {
  if (encoder.encode(text).byteLength <= limitBytes) return text;
  const budget = limitBytes - encoder.encode(TRUNCATED).byteLength;
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = encoder.encode(char).byteLength;
    if (used + size > budget) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end) + TRUNCATED;
}

/** Top-level fields that hold part of a person's identity without looking like one. */
const PERSONAL_FIELDS = new Set([
  // Coupontools' loyalty user search term: the bridge sends the customer's e-mail local part.
  "search",
]);

function maskPersonal(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      PERSONAL_FIELDS.has(k) && typeof v === "string" ? "[redacted]" : v,
    ]),
  );
}

function maskedBody(text: string): string {
  try {
    return JSON.stringify(redact(maskPersonal(JSON.parse(text))));
  } catch {
    return redactEmail(text);
  }
}

export function summarizeRequest(method: string, url: URL, body: string | undefined): RequestSummary {
  const query = new URLSearchParams();
  for (const [key, value] of url.searchParams) query.append(key, String(redact(value, key)));
  const search = query.size > 0 ? `?${query}` : "";
  const summary: RequestSummary = { method, path: url.pathname + search };
  if (body !== undefined) summary.body = excerpt(maskedBody(body));
  return summary;
}

export function summarizeResponse(status: number, headers: Headers, body: string): ResponseSummary {
  const summary: ResponseSummary = { status, body: excerpt(maskedBody(body)) };
  const contentType = headers.get("content-type");
  const retryAfter = headers.get("retry-after");
  if (contentType) summary.contentType = contentType;
  if (retryAfter) summary.retryAfter = retryAfter;
  return summary;
}
