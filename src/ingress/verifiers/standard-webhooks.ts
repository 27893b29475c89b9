import type { StandardWebhooksConfig } from "../../config/verifiers";
import { ConfigError, VerificationError } from "../../errors";
import { concatBytes, fromBase64, utf8 } from "../../lib/bytes";
import { signHmac } from "../../lib/crypto";
import { timingSafeEqual } from "../../lib/timing-safe";
import { checkTimestamp } from "./timestamp";
import type { Verifier } from "./types";

const SECRET_PREFIX = "whsec_";

/**
 * Standard Webhooks (standardwebhooks.com): HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`,
 * sent as space-separated `v1,<base64>` entries in `webhook-signature`. Entries of other versions (such
 * as asymmetric `v1a`) are ignored. Any entry matching any route secret is enough, so both sides can rotate.
 */
export function standardWebhooksVerifier(config: StandardWebhooksConfig): Verifier {
  return async ({ headers, body, secrets, now }) => {
    const signatureHeader = headers.get("webhook-signature");
    if (!signatureHeader) {
      throw new VerificationError("signature_missing", "Missing webhook-signature header.");
    }
    const id = headers.get("webhook-id");
    if (!id) {
      throw new VerificationError(
        "signature_missing",
        "Missing webhook-id header; it is part of the signed content.",
      );
    }
    const timestamp = checkTimestamp(
      "webhook-timestamp",
      headers.get("webhook-timestamp"),
      now,
      config.tolerance_seconds,
    );

    const presented = v1Signatures(signatureHeader);
    if (presented.length === 0) {
      throw new VerificationError("signature_invalid", "webhook-signature has no `v1,<base64>` entry.");
    }
    const content = concatBytes(utf8(`${id}.${timestamp}.`), body);
    for (const secret of secrets) {
      const expected = await signHmac("SHA-256", secretKey(secret), content);
      if (presented.some((signature) => timingSafeEqual(signature, expected))) return "verified";
    }
    throw new VerificationError(
      "signature_invalid",
      "No webhook-signature entry matches the signed content.",
    );
  };
}

function v1Signatures(header: string): Uint8Array[] {
  return header.split(" ").flatMap((entry) => {
    const [version, signature] = entry.split(",", 2);
    const bytes = version === "v1" && signature ? fromBase64(signature) : undefined;
    return bytes ? [bytes] : [];
  });
}

/**
 * The key is the base64 text after `whsec_`. Like the reference libraries, the prefix is optional but the
 * text is always base64-decoded; a secret that is not base64 is an operator mistake, not a bad delivery.
 */
function secretKey(secret: string): Uint8Array {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = fromBase64(encoded);
  if (!key || key.byteLength === 0) {
    throw new ConfigError("A standard-webhooks secret must be `whsec_` followed by non-empty base64.");
  }
  return key;
}
