import type { HmacConfig } from "../../config/verifiers";
import { VerificationError } from "../../errors";
import { concatBytes, fromBase64, fromHex, utf8 } from "../../lib/bytes";
import { type HmacHash, signHmac } from "../../lib/crypto";
import { timingSafeEqual } from "../../lib/timing-safe";
import { checkTimestamp } from "./timestamp";
import type { Verifier } from "./types";

const HASHES = {
  sha256: { name: "SHA-256", bytes: 32 },
  sha512: { name: "SHA-512", bytes: 64 },
} as const satisfies Record<HmacConfig["algorithm"], { name: HmacHash; bytes: number }>;

/**
 * Generic HMAC signature in one header, keyed with the secret's UTF-8 bytes, e.g. GitHub
 * (`x-hub-signature-256: sha256=<hex>`) or Shopify (`x-shopify-hmac-sha256: <base64>`). With a timestamp
 * header the signed content is `{timestamp}.{body}` and the timestamp must be within tolerance.
 */
export function hmacVerifier(config: HmacConfig): Verifier {
  const hash = HASHES[config.algorithm];
  const decode = config.encoding === "hex" ? fromHex : fromBase64;
  const expectedForm = `${config.prefix}<${config.algorithm} ${config.encoding}>`;

  return async ({ headers, body, secrets, now }) => {
    const header = headers.get(config.header);
    if (!header) throw new VerificationError("signature_missing", `Missing ${config.header} header.`);
    const presented = header.startsWith(config.prefix)
      ? decode(header.slice(config.prefix.length))
      : undefined;
    if (presented?.byteLength !== hash.bytes) {
      throw new VerificationError(
        "signature_invalid",
        `${config.header} must have the form ${expectedForm}.`,
      );
    }

    let content = body;
    if (config.timestamp_header) {
      const timestamp = checkTimestamp(
        config.timestamp_header,
        headers.get(config.timestamp_header),
        now,
        config.tolerance_seconds,
      );
      content = concatBytes(utf8(`${timestamp}.`), body);
    }

    for (const secret of secrets) {
      if (timingSafeEqual(presented, await signHmac(hash.name, utf8(secret), content))) return "verified";
    }
    throw new VerificationError("signature_invalid", `${config.header} does not match the signed content.`);
  };
}
