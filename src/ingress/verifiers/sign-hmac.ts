export type HmacHash = "SHA-256" | "SHA-512";

/** HMAC of `message` under the raw `key` bytes, with WebCrypto. */
export async function signHmac(hash: HmacHash, key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, message));
}
