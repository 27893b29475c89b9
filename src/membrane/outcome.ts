import { z } from "zod";
import { redactEmail } from "../lib/log";
import type { RequestSummary, ResponseSummary } from "./summary";

export type { RequestSummary, ResponseSummary } from "./summary";

/**
 * Every Membrane call ends in exactly one of three outcomes. `transient` may succeed if retried later
 * (429, 5xx, timeout, network); `permanent` will not succeed unchanged (other 4xx, a vendor refusal in a
 * 2xx body). Each failure has a stable `code` that delivery records and alerts can group by.
 */
export const MEMBRANE_ERROR_TYPES = [
  "bad_request",
  "not_authenticated",
  "access_denied",
  "not_found",
  "rate_limit_exceeded",
  "internal",
  "connection",
  "action_run",
  "concurrency",
] as const;

/** Membrane's own error body. A body with one of these `type`s was written by Membrane, not the vendor. */
export const MembraneErrorBodySchema = z.object({
  type: z.enum(MEMBRANE_ERROR_TYPES),
  key: z.string().optional(),
  message: z.string().optional(),
  data: z.unknown().optional(),
});
export type MembraneErrorBody = z.infer<typeof MembraneErrorBodySchema>;

/** Who wrote the answer: Membrane itself, or the vendor through Membrane's proxy. */
export type OutcomeSource = "membrane" | "vendor";

export type TransientCode = "rate_limited" | "server_error" | "busy" | "timeout" | "network_error";
export type PermanentCode =
  | "bad_request"
  | "not_authenticated"
  | "access_denied"
  | "not_found"
  | "conflict"
  | "client_error"
  | "connection_defunct"
  | "action_failed"
  | "vendor_rejected"
  | "unexpected_status";

/**
 * Inspects a 2xx body for an error the vendor reports inside it; returns the reason, or null to accept.
 * Coupontools, for one, answers some errors with HTTP 200.
 */
export type BodyCheck = (body: unknown) => string | null;

export type Verdict =
  | { kind: "success"; status: number; source: OutcomeSource; body: unknown }
  | {
      kind: "transient";
      code: TransientCode;
      reason: string;
      /** Absent when no answer arrived (timeout, network error), as is `source`. */
      status?: number;
      source?: OutcomeSource;
      retryAfterMs?: number;
      membraneError?: MembraneErrorBody;
    }
  | {
      kind: "permanent";
      code: PermanentCode;
      reason: string;
      status: number;
      source: OutcomeSource;
      membraneError?: MembraneErrorBody;
    };

export type CallOutcome = Verdict & {
  request: RequestSummary;
  /** Absent when no answer arrived. */
  response?: ResponseSummary;
  durationMs: number;
};

/** Retry-After in delta-seconds or as an HTTP-date, in milliseconds from `nowMs`. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form starts with the day name ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse alone
  // would also take "-3" or "2024" as dates.
  if (!/^[A-Za-z]{3,9},? /.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export interface Answer {
  /** A proxy answer is the vendor's unless its body is a Membrane error; an action answer is Membrane's. */
  call: "proxy" | "action";
  status: number;
  headers: Headers;
  body: unknown;
  acceptBody?: BodyCheck | undefined;
  nowMs: number;
}

const REASON_LIMIT = 300;
const clip = (text: string) =>
  redactEmail(text.length > REASON_LIMIT ? `${text.slice(0, REASON_LIMIT)}…` : text);

/** The usual places vendors put a human-readable error message (Coupontools uses `status.message`). */
const VendorMessageSchema = z.union([
  z.object({ message: z.string() }),
  z.object({ status: z.object({ message: z.string() }) }).transform((b) => b.status),
  z.object({ error: z.string() }).transform((b) => ({ message: b.error })),
  z.object({ error: z.object({ message: z.string() }) }).transform((b) => b.error),
]);

function describeError(
  status: number,
  source: OutcomeSource,
  body: unknown,
  membraneError: MembraneErrorBody | undefined,
): string {
  if (membraneError) {
    const { type, key, message } = membraneError;
    return `Membrane ${status} ${key ? `${type}/${key}` : type}${message ? `: ${message}` : ""}`;
  }
  const message = VendorMessageSchema.safeParse(body).data?.message;
  return `${source === "vendor" ? "The vendor" : "Membrane"} answered HTTP ${status}${message ? `: ${message}` : ""}`;
}

export function classifyAnswer(answer: Answer): Verdict {
  const { status, body } = answer;
  const membraneError = MembraneErrorBodySchema.safeParse(body).data;
  const source: OutcomeSource = membraneError || answer.call === "action" ? "membrane" : "vendor";

  if (status >= 200 && status < 300) {
    const refusal = answer.acceptBody?.(body) ?? null;
    if (refusal === null) return { kind: "success", status, source, body };
    return {
      kind: "permanent",
      code: "vendor_rejected",
      reason: clip(`The vendor refused: ${refusal}`),
      status,
      source,
    };
  }

  const reason = clip(describeError(status, source, body, membraneError));
  const extra = membraneError ? { membraneError } : {};

  const transient = (code: TransientCode): Verdict => {
    const retryAfterMs = parseRetryAfter(answer.headers.get("retry-after"), answer.nowMs);
    return {
      kind: "transient",
      code,
      reason,
      status,
      source,
      ...extra,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  };
  const permanent = (code: PermanentCode): Verdict => ({
    kind: "permanent",
    code,
    reason,
    status,
    source,
    ...extra,
  });

  // Membrane's error type outranks the status where it says more about retrying.
  if (membraneError?.type === "rate_limit_exceeded" || membraneError?.key === "rate_limit_exceeded") {
    return transient("rate_limited");
  }
  if (membraneError?.type === "concurrency") return transient("busy");
  if (membraneError?.type === "connection" && membraneError.key === "connection_is_defunct") {
    return permanent("connection_defunct");
  }

  if (status === 429) return transient("rate_limited");
  if (status === 408) return transient("timeout");
  if (status >= 500) return transient("server_error");
  if (status >= 400 && membraneError?.type === "action_run") return permanent("action_failed");
  switch (status) {
    case 400:
    case 422:
      return permanent("bad_request");
    case 401:
      return permanent("not_authenticated");
    case 403:
      return permanent("access_denied");
    case 404:
    case 410:
      return permanent("not_found");
    case 409:
      return permanent("conflict");
  }
  return permanent(status >= 400 ? "client_error" : "unexpected_status");
}

/** A call that got no answer: the timeout fired, or the connection failed. */
export function classifyFailure(error: unknown, timeoutMs: number): Verdict {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return { kind: "transient", code: "timeout", reason: `No answer within ${timeoutMs} ms.` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "transient", code: "network_error", reason: clip(`The request failed: ${message}`) };
}
