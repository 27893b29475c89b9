import type { z } from "zod";
import type { requestSummary } from "../../api/schemas";

type RequestSummary = z.output<typeof requestSummary>;

const ACTION_KEY = /^\{\s*"(?:key|id)"\s*:\s*"((?:[^"\\]|\\.)*)"/;
const ACTION_RUN = /^\/actions\/([^/?]+)\/run/;
const PROXY = /^\/connections\/[^/]+\/proxy(\/[^?]*)/;

/**
 * What an attempt called, in the operator's words: `action send-coupon-by-email` for a Membrane action (its key
 * is the first field of POST /act's body, or in the legacy /actions/{key}/run path), `proxy POST /v3/...` for a
 * proxy request (the vendor's path, not Membrane's), the method and path as recorded otherwise.
 */
export function callLabel(request: RequestSummary): string {
  const path = request.path;
  if (path.startsWith("/act")) {
    const key = request.body ? ACTION_KEY.exec(request.body)?.[1] : undefined;
    if (key) return `action ${key}`;
  }
  const run = ACTION_RUN.exec(path)?.[1];
  if (run) return `action ${decodeURIComponent(run)}`;
  const vendorPath = PROXY.exec(path)?.[1];
  if (vendorPath) return `proxy ${request.method} ${vendorPath}`;
  return `${request.method} ${path}`;
}
