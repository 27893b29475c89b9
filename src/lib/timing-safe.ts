import { sha256 } from "./crypto";

// workerd only: Node's SubtleCrypto has no timingSafeEqual, so this stays apart from the portable helpers.

/**
 * Constant-time equality of two byte arrays.
 *
 * workerd's `crypto.subtle.timingSafeEqual` is native code that always reads every byte, which a JS loop
 * cannot promise once the JIT optimises it; it throws on a length mismatch, so lengths are checked first.
 * That early return only reveals the length, never the position of a difference, and callers compare
 * digests whose length is public anyway (32 or 64 bytes). Use `secretEquals` when the length is secret.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * Constant-time equality of a presented token with a secret of any length: both are hashed to 32 bytes
 * first, so timing reveals neither the secret's content nor its length.
 */
export async function secretEquals(presented: string, secret: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(presented), sha256(secret)]);
  return timingSafeEqual(a, b);
}
