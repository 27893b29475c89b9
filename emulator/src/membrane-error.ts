import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Membrane's own error body: `{type, key, message, data?}` (see docs/reference membrane.md). */
export interface MembraneErrorBody {
  type: string;
  key: string;
  message: string;
  data?: unknown;
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: "bad_request",
  401: "not_authenticated",
  403: "access_denied",
  404: "not_found",
  429: "rate_limit_exceeded",
};

export function membraneError(type: string, key: string, message: string, data?: unknown): MembraneErrorBody {
  return data === undefined ? { type, key, message } : { type, key, message, data };
}

/** The body Membrane would plausibly send with a given status, used when a fault names no body. */
export function defaultErrorFor(status: number): MembraneErrorBody {
  const type = TYPE_BY_STATUS[status] ?? (status >= 500 ? "internal" : "bad_request");
  return membraneError(type, `injected_${status}`, `Injected fault: HTTP ${status}.`);
}

export function membraneErrorResponse(
  status: ContentfulStatusCode,
  body: MembraneErrorBody,
  headers: Record<string, string> = {},
): Response {
  return Response.json(body, { status, headers });
}
