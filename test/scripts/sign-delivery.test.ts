import { describe, expect, it } from "vitest";
import { type SignedDelivery, signDelivery } from "../../scripts/lib/sign-delivery";
import { createVerifier, type VerifierConfig, verifierConfig } from "../../src/ingress/verifiers";
import { deliveryOf, expectRejection, NOW } from "../ingress/verifiers/helpers";

// What `npm run send` signs must pass the real verifier of every type, and only with the right secret and body.

const SECRETS: Record<VerifierConfig["type"], string> = {
  "standard-webhooks": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  hmac: "an-hmac-secret",
  "static-secret": "a-static-token",
  coupontools: "a-url-token",
};

const configs = [
  { type: "standard-webhooks" },
  { type: "hmac", header: "x-hub-signature-256", prefix: "sha256=" },
  {
    type: "hmac",
    header: "X-Signature",
    algorithm: "sha512",
    encoding: "base64",
    timestamp_header: "X-Timestamp",
  },
  { type: "static-secret", in: "header", name: "x-hookbridge-token" },
  { type: "static-secret", in: "query", name: "key" },
  { type: "coupontools", connection: "coupontools-demo" },
].map((raw) => verifierConfig.parse(raw));

const body = new TextEncoder().encode('{"id":"evt_1","event":"order.paid","data":{"total":"9.99"}}');

function request(signed: SignedDelivery, secrets: string[], sentBody = body) {
  const url = new URL("https://bridge.example/webhooks/route");
  for (const [name, value] of Object.entries(signed.query)) url.searchParams.set(name, value);
  return deliveryOf({ secrets, headers: signed.headers, url: url.href, body: sentBody });
}

describe.each(configs.map((config) => [`${config.type} ${JSON.stringify(config)}`, config] as const))(
  "signDelivery for %s",
  (_name, config) => {
    const secret = SECRETS[config.type];
    const sign = () => signDelivery(config, { body, secret, id: "msg_1", now: NOW });

    it("is accepted by the route's verifier, also as the second secret of a rotation", async () => {
      const expected = config.type === "coupontools" ? "pending_confirmation" : "verified";
      const verify = createVerifier(config);
      expect(await verify(request(await sign(), [secret]))).toBe(expected);
      expect(await verify(request(await sign(), ["whsec_bmV3ZXItc2VjcmV0", secret]))).toBe(expected);
    });

    it("is refused under another secret", async () => {
      const other = config.type === "standard-webhooks" ? "whsec_b3RoZXItc2VjcmV0" : "another-secret";
      const signed = await signDelivery(config, { body, secret: other, id: "msg_1", now: NOW });
      const code =
        config.type === "standard-webhooks" || config.type === "hmac" ? "signature_invalid" : "token_invalid";
      await expectRejection(createVerifier(config)(request(signed, [secret])), code);
    });

    if (config.type === "standard-webhooks" || config.type === "hmac") {
      it("signs the body: a changed body is refused", async () => {
        const changed = new TextEncoder().encode(
          '{"id":"evt_1","event":"order.paid","data":{"total":"0.01"}}',
        );
        await expectRejection(
          createVerifier(config)(request(await sign(), [secret], changed)),
          "signature_invalid",
        );
      });
    }
  },
);

it("covers every verifier type", () => {
  expect(new Set(configs.map((c) => c.type))).toEqual(new Set(Object.keys(SECRETS)));
});
