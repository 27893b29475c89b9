// Node runs this file as is (`npm run send`, type stripping), and Node's ESM resolution needs file
// extensions: hence no runtime imports at all, and `.js` on the type-only import (erased when run).
import type { VerifierConfig } from "./schemas.js";

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

const encoder = new TextEncoder();

export async function signDelivery(
  config: VerifierConfig,
  delivery: DeliveryToSign,
): Promise<SignedDelivery> {
  const { body, secret, id } = delivery;
  const timestamp = String(Math.floor(delivery.now.getTime() / 1000));
  switch (config.type) {
    case "standard-webhooks": {
      const key = base64ToBytes(secret.replace(/^whsec_/, ""));
      const mac = await hmac("SHA-256", key, concat(encoder.encode(`${id}.${timestamp}.`), body));
      return {
        headers: {
          "webhook-id": id,
          "webhook-timestamp": timestamp,
          "webhook-signature": `v1,${bytesToBase64(mac)}`,
        },
        query: {},
      };
    }
    case "hmac": {
      const content = config.timestamp_header ? concat(encoder.encode(`${timestamp}.`), body) : body;
      const hash = config.algorithm === "sha512" ? "SHA-512" : "SHA-256";
      const mac = await hmac(hash, encoder.encode(secret), content);
      const signature = config.encoding === "hex" ? bytesToHex(mac) : bytesToBase64(mac);
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

async function hmac(hash: "SHA-256" | "SHA-512", key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, message));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

const base64ToBytes = (text: string) => Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
const bytesToBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const bytesToHex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
