/**
 * Membrane's own error body `{type, key, message, data?, causedByError?}` and its HTTP status, as documented
 * (docs.getmembrane.com reference/overview/errors; types from @membranehq/sdk ErrorType).
 */
export type MembraneErrorType =
  | "bad_request"
  | "connection"
  | "configuration"
  | "dependency_error"
  | "flow_run"
  | "flow_instance_setup"
  | "concurrency"
  | "internal"
  | "action_run"
  | "action_instance_setup"
  | "unit_run"
  | "custom_code"
  | "insufficient_credit"
  | "openrouter_not_configured";

export interface MembraneErrorBody {
  type: MembraneErrorType;
  key: string;
  message: string;
  data?: unknown;
  causedByError?: unknown;
}

// Docs: "the HTTP status follows the key": 401/403/404/429/500 for these keys, 400 for any other.
const STATUS_BY_KEY: Record<string, number> = {
  not_authenticated: 401,
  access_denied: 403,
  not_found: 404,
  rate_limit_exceeded: 429,
  internal: 500,
};

export function statusForKey(key: string): number {
  return STATUS_BY_KEY[key] ?? 400;
}

export function membraneError(
  type: MembraneErrorType,
  key: string,
  message: string,
  data?: unknown,
): MembraneErrorBody {
  return data === undefined ? { type, key, message } : { type, key, message, data };
}

/** The body Membrane would plausibly send with a given status, used when a fault names no body. */
export function defaultErrorFor(status: number): MembraneErrorBody {
  const key = Object.entries(STATUS_BY_KEY).find(([, s]) => s === status)?.[0];
  if (key === "internal") return membraneError("internal", "internal", `Injected fault: HTTP ${status}.`);
  if (key) return membraneError("bad_request", key, `Injected fault: HTTP ${status}.`);
  // No documented key gives this status; the type is a plausible choice for an injected fault.
  return membraneError(
    status >= 500 ? "internal" : "bad_request",
    `injected_${status}`,
    `Injected fault: HTTP ${status}.`,
  );
}

/** The error with the status its key calls for. */
export function membraneErrorResponse(
  body: MembraneErrorBody,
  headers: Record<string, string> = {},
): Response {
  return Response.json(body, { status: statusForKey(body.key), headers });
}
