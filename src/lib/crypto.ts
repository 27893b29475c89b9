// WebCrypto helpers, written once. No imports, so Node can run this file as is for the tooling in scripts/.

export type HmacHash = "SHA-256" | "SHA-512";

/** HMAC of `message` under the raw `key` bytes, with WebCrypto. */
export async function signHmac(hash: HmacHash, key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, message));
}

/** SHA-256 of bytes, or of a text's UTF-8 encoding. */
export async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/**
 * HMAC-SHA256(salt, text) in hex: meaningless without the salt. What stays of an erased person's address and
 * of a de-duplication key (src/retention/email-hash.ts, src/ingress/dedupe-key.ts).
 */
export async function keyedHash(salt: string, text: string): Promise<string> {
  const encoder = new TextEncoder();
  const mac = await signHmac("SHA-256", encoder.encode(salt), encoder.encode(text));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The keyed hash of an e-mail address, case-insensitively: the same address in any case hashes the same. */
export function emailKeyedHash(salt: string, email: string): Promise<string> {
  return keyedHash(salt, email.trim().toLowerCase());
}
