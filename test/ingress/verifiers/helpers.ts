import { expect } from "vitest";
import { VerificationError, type VerificationErrorCode } from "../../../src/errors";
import type { VerificationRequest } from "../../../src/ingress/verifiers";

/** 2023-11-14T22:13:20Z: the fixed clock of every verifier test. */
export const NOW_SECONDS = 1_700_000_000;
export const NOW = new Date(NOW_SECONDS * 1000);

export function deliveryOf(parts: {
  secrets: string[];
  headers?: Record<string, string>;
  url?: string;
  body?: string | Uint8Array;
  now?: Date;
}): VerificationRequest {
  const body = parts.body ?? "";
  return {
    headers: new Headers(parts.headers),
    url: new URL(parts.url ?? "https://hooks.example.com/webhooks/test"),
    body: typeof body === "string" ? new TextEncoder().encode(body) : body,
    secrets: parts.secrets,
    now: parts.now ?? NOW,
  };
}

/** Asserts a `VerificationError` with `code` whose message reveals none of `mustNotContain`. */
export async function expectRejection(
  pending: Promise<unknown>,
  code: VerificationErrorCode,
  mustNotContain: readonly string[] = [],
): Promise<VerificationError> {
  const error = await pending.then(
    () => expect.unreachable("expected the delivery to be rejected"),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(VerificationError);
  const verificationError = error as VerificationError;
  expect(verificationError.code).toBe(code);
  expect(verificationError.status).toBe(401);
  for (const text of mustNotContain) expect(verificationError.message).not.toContain(text);
  return verificationError;
}
