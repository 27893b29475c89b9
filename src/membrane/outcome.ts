import { z } from "zod";
import { hasKey } from "../lib/has-key";
import { redactEmail } from "../lib/log";
import type { RequestSummary, ResponseSummary } from "./summary";

export type { RequestSummary, ResponseSummary } from "./summary";

/**
 * Every Membrane call ends in exactly one of three outcomes. `transient` may succeed if retried later
 * (429, 5xx, timeout, network); `permanent` will not succeed unchanged (other 4xx, a vendor refusal in a
 * 2xx body). Each failure has a stable `code` that delivery records and alerts can group by.
 */
// Membrane's error types, as its SDK lists them (ErrorType in @membranehq/sdk errors; docs.getmembrane.com
// reference/overview/errors). `not_found`, `not_authenticated`, ... are KEYS under `bad_request`, not types.
export const MEMBRANE_ERROR_TYPES = [
  "bad_request",
  "connection",
  "configuration",
  "dependency_error",
  "flow_run",
  "flow_instance_setup",
  "concurrency",
  "internal",
  "action_run",
  "action_instance_setup",
  "unit_run",
  "custom_code",
  "insufficient_credit",
  "openrouter_not_configured",
] as const;

/**
 * Membrane's own error body `{type, key, message, data?, causedByError?}`. A body with one of these `type`s
 * was written by Membrane, not the vendor: on the proxy path anything else is the vendor's own answer.
 */
export const MembraneErrorBodySchema = z.object({
  type: z.enum(MEMBRANE_ERROR_TYPES),
  key: z.string().optional(),
  message: z.string().optional(),
  data: z.unknown().optional(),
  causedByError: z.unknown().optional(),
});
export type MembraneErrorBody = z.infer<typeof MembraneErrorBodySchema>;

/** Who wrote the answer: Membrane itself, or the vendor through Membrane's proxy. */
export type OutcomeSource = "membrane" | "vendor";

export type TransientCode =
  | "rate_limited"
  | "server_error"
  | "busy"
  | "credentials_expired"
  | "timeout"
  | "network_error";
export type PermanentCode =
  | "bad_request"
  | "not_authenticated"
  | "access_denied"
  | "not_found"
  | "conflict"
  | "client_error"
  | "connection_defunct"
  | "membrane_configuration"
  | "insufficient_credit"
  | "action_failed"
  | "vendor_rejected"
  | "unexpected_status"
  /** Refused by the client before sending: the proxy URL would leave `/connections/{id}/proxy/` or hold a dot segment. */
  | "unsafe_proxy_path"
  /** Refused before sending: the input does not fit the action's input schema read from the workspace. */
  | "action_input_invalid"
  /** Refused before sending: the action's definition could not be read and unchecked inputs are refused. */
  | "action_unresolved";

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
      /** Absent when nothing was sent (`unsafe_proxy_path`), as is `source`. */
      status?: number;
      source?: OutcomeSource;
      membraneError?: MembraneErrorBody;
      /** The vendor's own error code, when its body names one (Coupontools `error_code`). */
      vendorCode?: string;
    };

export type CallOutcome = Verdict & {
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

/**
 * The vendor's HTTP status behind a failed action run, when Membrane reports it. Membrane's SDK records a
 * failed HTTP call as `data.response.status` (extractMembraneErrorData); whether action runs do the same is
 * not documented, so `causedByError.data` is read as well and an absent status is simply not used.
 */
const VendorStatusSchema = z.object({ response: z.object({ status: z.int() }) });
const VendorBodySchema = z.object({ response: z.object({ data: z.unknown() }) });
const CausedSchema = z.object({ data: z.unknown() });
export function vendorStatusOf(error: MembraneErrorBody): number | undefined {
  const caused = CausedSchema.safeParse(error.causedByError).data?.data;
  return (
    VendorStatusSchema.safeParse(error.data).data?.response.status ??
    VendorStatusSchema.safeParse(caused).data?.response.status
  );
}

export function classifyAnswer(answer: Answer): Verdict {
  const { status, body } = answer;
  // Only an object with a `type` can be one: a refused parse of every vendor answer would cost a ZodError each.
  const membraneError = hasKey(body, "type") ? MembraneErrorBodySchema.safeParse(body).data : undefined;
  const source: OutcomeSource = membraneError || answer.call !== "proxy" ? "membrane" : "vendor";

  if (status >= 200 && status < 300) {
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

  // On an error status the vendor's body still says why (Coupontools' `failed` envelope, for one); a failed
  // action run carries the vendor's answer as `data.response.data` (the SDK's record of a failed call).
  const vendorBody = membraneError
    ? VendorBodySchema.safeParse(membraneError.data).data?.response.data
    : body;
  const refusal = vendorBody === undefined ? undefined : asRefusal(answer.acceptBody?.(vendorBody));
  const reason = clip(describeError(status, source, body, membraneError, refusal));
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
    ...(refusal?.vendorCode !== undefined && { vendorCode: refusal.vendorCode }),
  });

  if (membraneError) {
    const verdict = classifyMembraneError(membraneError, transient, permanent);
    if (verdict) return verdict;
  }

  if (status === 429) return transient("rate_limited");
  if (status === 408) return transient("timeout");
  if (status >= 500) return transient("server_error");
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

/**
 * Membrane's type and key outrank the status: they say whether a later try can succeed. Undefined leaves
 * the decision to the status. Types and keys: docs.getmembrane.com reference/overview/errors and the SDK.
 */
function classifyMembraneError(
  error: MembraneErrorBody,
  transient: (code: TransientCode) => Verdict,
  permanent: (code: PermanentCode) => Verdict,
): Verdict | undefined {
  const { type, key } = error;
  // `bad_request/rate_limit_exceeded` (Membrane's own limit) and `connection/rate_limit_exceeded` ("External
  // API rate limit hit"): both pass with time.
  if (key === "rate_limit_exceeded") return transient("rate_limited");
  switch (type) {
    case "concurrency":
      // `lock_timeout`: another run held the lock; the same call later finds it free.
      return transient("busy");
    case "internal":
      // Membrane's own failure, not a verdict on the request.
      return transient("server_error");
    case "connection":
      // `access_token_expired`: Membrane refreshes credentials, so a later attempt may pass. A defunct
      // connection needs a person to reconnect it: retrying on a schedule cannot help.
      if (key === "access_token_expired") return transient("credentials_expired");
      if (key === "connection_is_defunct") return permanent("connection_defunct");
      return undefined;
    case "configuration":
    case "flow_instance_setup":
    case "action_instance_setup":
    case "openrouter_not_configured":
      // The workspace is set up wrongly (a missing action, field mapping or setting): a person must fix it.
      return permanent("membrane_configuration");
    case "insufficient_credit":
      // Needs the workspace's credit topped up; an operator retries the delivery afterwards.
      return permanent("insufficient_credit");
    case "bad_request":
      // The keys under bad_request say what was wrong with the request; each stays wrong on a retry.
      if (key === "not_found") return permanent("not_found");
      if (key === "not_authenticated") return permanent("not_authenticated");
      if (key === "access_denied") return permanent("access_denied");
      if (key === "already_exists") return permanent("conflict");
      return permanent("bad_request");
    case "action_run":
    case "unit_run":
    case "flow_run":
    case "custom_code":
    case "dependency_error": {
      // A run failed: transient when the vendor behind it was busy or down, else the vendor's verdict.
      const vendorStatus = vendorStatusOf(error);
      if (vendorStatus === 429) return transient("rate_limited");
      if (vendorStatus !== undefined && (vendorStatus >= 500 || vendorStatus === 408))
        return transient("server_error");
      return permanent("action_failed");
    }
  }
  return undefined;
}

/** A call that got no answer: the timeout fired, or the connection failed. */
export function classifyFailure(error: unknown, timeoutMs: number): Verdict {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return { kind: "transient", code: "timeout", reason: `No answer within ${timeoutMs} ms.` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "transient", code: "network_error", reason: clip(`The request failed: ${message}`) };
}
