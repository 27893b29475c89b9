import { z } from "zod";
import { hasKey } from "../lib/has-key";
import { redactEmail } from "../lib/log";
import type { PermanentCode, TransientCode } from "./codes";
import {
  classifyMembraneError,
  type MembraneErrorBody,
  MembraneErrorBodySchema,
  vendorBodyOf,
} from "./membrane-error";
import type { RequestSummary, ResponseSummary } from "./summary";

export {
  MEMBRANE_ERROR_TYPES,
  type MembraneErrorBody,
  MembraneErrorBodySchema,
  vendorStatusOf,
} from "./membrane-error";

export type { RequestSummary, ResponseSummary } from "./summary";

/**
 * Every Membrane call ends in exactly one of three outcomes. `transient` may succeed if retried later
 * (429, 5xx, timeout, network); `permanent` will not succeed unchanged (other 4xx, a vendor refusal in a
 * 2xx body). Each failure has a stable `code` that delivery records and alerts can group by.
 */
/** Who wrote the answer: Membrane itself, or the vendor through Membrane's proxy. */
export type OutcomeSource = "membrane" | "vendor";

/** A vendor's refusal read from its body: its text and, when it gives one, its own error code. */
export interface BodyRefusal {
  reason: string;
  vendorCode?: string;
}

/**
 * Inspects a body for an error the vendor reports inside it; returns the reason, or null to accept.
 * Coupontools, for one, answers some errors with HTTP 200. On a non-2xx answer the check is only read for
 * the vendor's text and code.
 */
export type BodyCheck = (body: unknown) => string | BodyRefusal | null;

export type Classification =
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
      /** Absent when nothing was sent (`unsafe_proxy_path`), as is `source`. */
      status?: number;
      source?: OutcomeSource;
      membraneError?: MembraneErrorBody;
      /** The vendor's own error code, when its body names one (Coupontools `error_code`). */
      vendorCode?: string;
    };

export type CallOutcome = Classification & {
  request: RequestSummary;
  /** Membrane's id of the action run (action calls; also on a failed run's body), for the operator. */
  actionRunId?: string;
  /** Absent when no answer arrived. */
  response?: ResponseSummary;
  durationMs: number;
};

/** A call refused before anything was sent (the bridge's own check failed): permanent, nothing to retry. */
export function notSent(code: PermanentCode, reason: string): CallOutcome {
  return { kind: "permanent", code, reason, request: { method: "-", path: "(not sent)" }, durationMs: 0 };
}

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
  /** `api`: a read of Membrane's own API (an action's definition, a connection). */
  call: "proxy" | "action" | "api";
  status: number;
  headers: Headers;
  body: unknown;
  acceptBody?: BodyCheck | undefined;
  nowMs: number;
}

const REASON_LIMIT = 300;
const clip = (text: string) =>
  redactEmail(text.length > REASON_LIMIT ? `${text.slice(0, REASON_LIMIT)}…` : text);

/** The usual places vendors put a human-readable error message. */
const VendorMessageSchema = z.union([
  z.object({ message: z.string() }),
  z.object({ error: z.string() }).transform((b) => ({ message: b.error })),
  z.object({ error: z.object({ message: z.string() }) }).transform((b) => b.error),
]);

function describeError(
  status: number,
  source: OutcomeSource,
  body: unknown,
  membraneError: MembraneErrorBody | undefined,
  refusal: BodyRefusal | undefined,
): string {
  if (membraneError) {
    const { type, key, message } = membraneError;
    return `Membrane ${status} ${key ? `${type}/${key}` : type}${message ? `: ${message}` : ""}`;
  }
  const message = refusal?.reason ?? VendorMessageSchema.safeParse(body).data?.message;
  return `${source === "vendor" ? "The vendor" : "Membrane"} answered HTTP ${status}${message ? `: ${message}` : ""}`;
}

const asRefusal = (value: string | BodyRefusal | null | undefined): BodyRefusal | undefined =>
  value === null || value === undefined ? undefined : typeof value === "string" ? { reason: value } : value;

export function classifyAnswer(answer: Answer): Classification {
  const { status, body } = answer;
  // Only an object with a `type` can be one: a refused parse of every vendor answer would cost a ZodError each.
  const membraneError = hasKey(body, "type") ? MembraneErrorBodySchema.safeParse(body).data : undefined;
  const source: OutcomeSource = membraneError || answer.call !== "proxy" ? "membrane" : "vendor";
  if (status >= 200 && status < 300) return classifySuccess(answer, source);

  // On an error status the vendor's body still says why (Coupontools' `failed` envelope, for one); a failed
  // action run carries the vendor's answer as `data.response.data` (the SDK's record of a failed call).
  const vendorBody = membraneError ? vendorBodyOf(membraneError) : body;
  const refusal = vendorBody === undefined ? undefined : asRefusal(answer.acceptBody?.(vendorBody));
  const common = {
    reason: clip(describeError(status, source, body, membraneError, refusal)),
    status,
    source,
    ...(membraneError && { membraneError }),
  };
  const transient = (code: TransientCode): Classification => {
    const retryAfterMs = parseRetryAfter(answer.headers.get("retry-after"), answer.nowMs);
    return { kind: "transient", code, ...common, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  };
  const permanent = (code: PermanentCode): Classification => ({
    kind: "permanent",
    code,
    ...common,
    ...(refusal?.vendorCode !== undefined && { vendorCode: refusal.vendorCode }),
  });
  // Membrane's type and key, when it wrote the answer, outrank the status.
  const byMembrane = membraneError && classifyMembraneError(membraneError, transient, permanent);
  if (byMembrane) return byMembrane;
  const code = codeOfStatus(status);
  return code.transient ? transient(code.transient) : permanent(code.permanent);
}

/** A 2xx answer: a success, unless the vendor reports an error in its body (acceptBody). */
function classifySuccess(answer: Answer, source: OutcomeSource): Classification {
  const { status, body } = answer;
  const refusal = asRefusal(answer.acceptBody?.(body));
  if (refusal === undefined) return { kind: "success", status, source, body };
  return {
    kind: "permanent",
    code: "vendor_rejected",
    reason: clip(`The vendor refused: ${refusal.reason}`),
    status,
    source,
    ...(refusal.vendorCode !== undefined && { vendorCode: refusal.vendorCode }),
  };
}

/** What an HTTP error status says: 429, 408 and 5xx may pass later; every other status will not. */
function codeOfStatus(
  status: number,
): { transient: TransientCode } | { transient?: never; permanent: PermanentCode } {
  if (status === 429) return { transient: "rate_limited" };
  if (status === 408) return { transient: "timeout" };
  if (status >= 500) return { transient: "server_error" };
  const permanent: Record<number, PermanentCode> = {
    400: "bad_request",
    422: "bad_request",
    401: "not_authenticated",
    403: "access_denied",
    404: "not_found",
    410: "not_found",
    409: "conflict",
  };
  return { permanent: permanent[status] ?? (status >= 400 ? "client_error" : "unexpected_status") };
}

/** A call that got no answer: the timeout fired, or the connection failed. */
export function classifyFailure(error: unknown, timeoutMs: number): Classification {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return { kind: "transient", code: "timeout", reason: `No answer within ${timeoutMs} ms.` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "transient", code: "network_error", reason: clip(`The request failed: ${message}`) };
}
