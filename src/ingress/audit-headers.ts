import type { Route } from "../config/routes";

/** Headers worth keeping for audit and replay; anything carrying a secret is left out by construction. */
const KEPT = ["content-type", "content-length", "user-agent", "webhook-id", "webhook-timestamp", "cf-ray"];

export function auditHeaders(route: Route, headers: Headers): Record<string, string> {
  const names = new Set(KEPT);
  if (route.dedupe.from === "header") names.add(route.dedupe.name);
  if (route.verifier.type === "hmac" && route.verifier.timestamp_header)
    names.add(route.verifier.timestamp_header);
  // A static secret travels in its header: never store it, even if an operator named a kept header.
  if (route.verifier.type === "static-secret" && route.verifier.in === "header")
    names.delete(route.verifier.name);
  const kept: Record<string, string> = {};
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}
