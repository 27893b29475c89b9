// Node runs this file as is (`npm run send`, type stripping), and Node's ESM resolution needs file
// extensions: hence `.ts` on the runtime imports (of modules that import nothing themselves), and `.js` on the
// type-only import (erased when run).
import type { VerifierConfig } from "../../src/config/verifiers.js";
import { concatBytes, fromBase64, toBase64, toHex, utf8 } from "../../src/lib/bytes.ts";
import { signHmac } from "../../src/lib/crypto.ts";

/**
 * The sending side of each verifier: what a vendor adds to a delivery for the bridge to accept it. Used by
 * `npm run send` (scripts/send.ts); the tests check every verifier type accepts what this produces.
 */
export interface DeliveryToSign {
  /** The exact bytes that will be posted. */
  body: Uint8Array;
  /** One of the route's secret values. */
  secret: string;
  /** Delivery id, for schemes that sign one (`webhook-id`). */
  id: string;
  now: Date;
}

export interface SignedDelivery {
  headers: Record<string, string>;
  /** Query parameters to add to the route URL. */
  query: Record<string, string>;
}

export async function signDelivery(
  config: VerifierConfig,
  delivery: DeliveryToSign,
): Promise<SignedDelivery> {
  const { body, secret, id } = delivery;
  const timestamp = String(Math.floor(delivery.now.getTime() / 1000));
  switch (config.type) {
    case "standard-webhooks": {
      const key = fromBase64(secret.replace(/^whsec_/, "")) ?? new Uint8Array();
      const mac = await signHmac("SHA-256", key, concatBytes(utf8(`${id}.${timestamp}.`), body));
      return {
        headers: {
          "webhook-id": id,
          "webhook-timestamp": timestamp,
          "webhook-signature": `v1,${toBase64(mac)}`,
        },
        query: {},
      };
    }
    case "hmac": {
      const content = config.timestamp_header ? concatBytes(utf8(`${timestamp}.`), body) : body;
      const hash = config.algorithm === "sha512" ? "SHA-512" : "SHA-256";
      const mac = await signHmac(hash, utf8(secret), content);
      const signature = config.encoding === "hex" ? toHex(mac) : toBase64(mac);
      return {
        headers: {
          [config.header]: `${config.prefix}${signature}`,
          ...(config.timestamp_header && { [config.timestamp_header]: timestamp }),
        },
        query: {},
      };
    }
    case "static-secret":
      return config.in === "header"
        ? { headers: { [config.name]: secret }, query: {} }
        : { headers: {}, query: { [config.name]: secret } };
    case "coupontools":
      return { headers: {}, query: { [config.param]: secret } };
  }
}
