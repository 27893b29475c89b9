import { describe, expect, it } from "vitest";
import { hmacConfig } from "../../../src/ingress/verifiers";
import { hmacVerifier } from "../../../src/ingress/verifiers/hmac";
import { deliveryOf, expectRejection, NOW_SECONDS } from "./helpers";

// Known answers, each computed once outside this code base with Node:
//   node -e "console.log(require('crypto').createHmac(ALGORITHM, SECRET).update(CONTENT).digest(ENCODING))"

// GitHub's documented example (docs.github.com, "Validating webhook deliveries"); Node gives the same value.
const GITHUB = {
  secret: "It's a Secret to Everybody",
  body: "Hello, World!",
  signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
};

// sha256, base64, secret "hush", CONTENT = the body below.
const SHOPIFY = {
  secret: "hush",
  body: '{"id":820982911946154508,"email":"jon@example.com","total_price":"12.50"}',
  signature: "8L3Fj0Sfrpz5sd/7h3YoLBgU93GehZMlRCKwI9Yoe1E=",
};

// sha512, hex, secret "rotate-me-2", CONTENT = "1700000000." + the body below.
const TIMESTAMPED = {
  secret: "rotate-me-2",
  body: '{"ok":true}',
  timestamp: String(NOW_SECONDS),
  signature:
    "ae747efbbbd312f5e352b5eead56cf2800cf870c234cbc6555d77b76d919a33adbc93fa7edbd3883632a808a1aa9d45a70c995cdaa20b340e20a0874f8a01aff",
};

// sha256, hex, secret "bin-secret", CONTENT = Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x80]) (not valid UTF-8).
const BINARY = {
  secret: "bin-secret",
  body: new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x80]),
  signature: "489b15256f811687fb9320f13eeac1caccb20c4c33685504c22a75f8ae0c3642",
};

describe("hmac verifier, GitHub style (sha256=<hex>)", () => {
  // Mixed case on purpose: the schema lower-cases header names.
  const verify = hmacVerifier(
    hmacConfig.parse({ type: "hmac", header: "X-Hub-Signature-256", prefix: "sha256=" }),
  );
  const signed = (signature = GITHUB.signature) => ({ "x-hub-signature-256": signature });

  it("verifies the known-answer vector", async () => {
    const delivery = deliveryOf({ secrets: [GITHUB.secret], headers: signed(), body: GITHUB.body });
    await expect(verify(delivery)).resolves.toBe("verified");
  });

  it("accepts upper-case hex", async () => {
    const upper = `sha256=${GITHUB.signature.slice("sha256=".length).toUpperCase()}`;
    const delivery = deliveryOf({ secrets: [GITHUB.secret], headers: signed(upper), body: GITHUB.body });
    await expect(verify(delivery)).resolves.toBe("verified");
  });

  it("rejects the delivery when one byte of the body changes", async () => {
    const delivery = deliveryOf({ secrets: [GITHUB.secret], headers: signed(), body: "Hello, World?" });
    await expectRejection(verify(delivery), "signature_invalid");
  });

  it("rejects a wrong secret, and accepts the previous one during rotation", async () => {
    const wrong = deliveryOf({ secrets: ["new-secret"], headers: signed(), body: GITHUB.body });
    await expectRejection(verify(wrong), "signature_invalid");
    const rotated = deliveryOf({
      secrets: ["new-secret", GITHUB.secret],
      headers: signed(),
      body: GITHUB.body,
    });
    await expect(verify(rotated)).resolves.toBe("verified");
  });

  it("rejects a delivery without the signature header, naming the header", async () => {
    const error = await expectRejection(
      verify(deliveryOf({ secrets: [GITHUB.secret], body: GITHUB.body })),
      "signature_missing",
    );
    expect(error.message).toContain("x-hub-signature-256");
  });

  it.each([
    ["without the prefix", GITHUB.signature.slice("sha256=".length)],
    ["with another prefix", GITHUB.signature.replace("sha256=", "sha1=")],
    ["with non-hex characters", GITHUB.signature.replace(/.$/, "g")],
    ["with an odd number of hex digits", GITHUB.signature.slice(0, -1)],
    ["truncated to 31 bytes", GITHUB.signature.slice(0, -2)],
    // The right digest, but in base64: Buffer.from(<hex above>, "hex").toString("base64").
    ["as base64", "sha256=dXEH6g6yUJ/CESIczphLijdXC211hsIsRvQ3nIsEPhc="],
    ["empty after the prefix", "sha256="],
  ])("rejects a signature %s, describing the expected form", async (_case, signature) => {
    const delivery = deliveryOf({ secrets: [GITHUB.secret], headers: signed(signature), body: GITHUB.body });
    const error = await expectRejection(verify(delivery), "signature_invalid");
    expect(error.message).toContain("sha256=<sha256 hex>");
  });

  it("never echoes the secret or the expected signature", async () => {
    const wrong = `sha256=${"0".repeat(64)}`;
    const delivery = deliveryOf({ secrets: [GITHUB.secret], headers: signed(wrong), body: GITHUB.body });
    await expectRejection(verify(delivery), "signature_invalid", [GITHUB.secret, GITHUB.signature.slice(7)]);
  });
});

describe("hmac verifier, Shopify style (base64, no prefix)", () => {
  const verify = hmacVerifier(
    hmacConfig.parse({ type: "hmac", header: "X-Shopify-Hmac-Sha256", encoding: "base64" }),
  );
  const signed = (signature = SHOPIFY.signature) => ({ "x-shopify-hmac-sha256": signature });

  it("verifies the known-answer vector", async () => {
    const delivery = deliveryOf({ secrets: [SHOPIFY.secret], headers: signed(), body: SHOPIFY.body });
    await expect(verify(delivery)).resolves.toBe("verified");
  });

  it("rejects the delivery when one byte of the body changes", async () => {
    const tampered = SHOPIFY.body.replace("12.50", "12.51");
    await expectRejection(
      verify(deliveryOf({ secrets: [SHOPIFY.secret], headers: signed(), body: tampered })),
      "signature_invalid",
    );
  });

  it("accepts the second secret during rotation", async () => {
    const delivery = deliveryOf({ secrets: ["next", SHOPIFY.secret], headers: signed(), body: SHOPIFY.body });
    await expect(verify(delivery)).resolves.toBe("verified");
  });

  it.each([
    // The same digest in hex: Buffer.from(SHOPIFY.signature, "base64").toString("hex").
    ["hex", "f0bdc58f449fae9cf9b1dffb8776282c1814f7719e8593254422b023d6287b51"],
    ["URL-safe base64", SHOPIFY.signature.replaceAll("/", "_")],
    ["unpadded base64", SHOPIFY.signature.replace(/=$/, "")],
  ])("rejects the signature encoded as %s", async (_case, signature) => {
    const delivery = deliveryOf({
      secrets: [SHOPIFY.secret],
      headers: signed(signature),
      body: SHOPIFY.body,
    });
    await expectRejection(verify(delivery), "signature_invalid");
  });
});

describe("hmac verifier with a timestamp header (sha512, hex)", () => {
  const verify = hmacVerifier(
    hmacConfig.parse({
      type: "hmac",
      header: "x-signature",
      algorithm: "sha512",
      timestamp_header: "x-timestamp",
      tolerance_seconds: 120,
    }),
  );
  const headers = (timestamp = TIMESTAMPED.timestamp) => ({
    "x-signature": TIMESTAMPED.signature,
    "x-timestamp": timestamp,
  });
  const at = (seconds: number) => new Date(seconds * 1000);

  it("verifies the known-answer vector over `{timestamp}.{body}`", async () => {
    const delivery = deliveryOf({
      secrets: [TIMESTAMPED.secret],
      headers: headers(),
      body: TIMESTAMPED.body,
    });
    await expect(verify(delivery)).resolves.toBe("verified");
  });

  it("signs the timestamp: a changed timestamp no longer matches", async () => {
    const delivery = deliveryOf({
      secrets: [TIMESTAMPED.secret],
      headers: headers(String(NOW_SECONDS + 1)),
      body: TIMESTAMPED.body,
    });
    await expectRejection(verify(delivery), "signature_invalid");
  });

  it("applies the configured tolerance both ways", async () => {
    const base = { secrets: [TIMESTAMPED.secret], headers: headers(), body: TIMESTAMPED.body };
    await expect(verify(deliveryOf({ ...base, now: at(NOW_SECONDS + 120) }))).resolves.toBe("verified");
    await expect(verify(deliveryOf({ ...base, now: at(NOW_SECONDS - 120) }))).resolves.toBe("verified");
    await expectRejection(verify(deliveryOf({ ...base, now: at(NOW_SECONDS + 121) })), "timestamp_expired");
    await expectRejection(verify(deliveryOf({ ...base, now: at(NOW_SECONDS - 121) })), "timestamp_in_future");
  });

  it("rejects a missing or non-numeric timestamp", async () => {
    const missing = deliveryOf({
      secrets: [TIMESTAMPED.secret],
      headers: { "x-signature": TIMESTAMPED.signature },
      body: TIMESTAMPED.body,
    });
    const error = await expectRejection(verify(missing), "timestamp_missing");
    expect(error.message).toContain("x-timestamp");
    const garbled = deliveryOf({
      secrets: [TIMESTAMPED.secret],
      headers: headers("yesterday"),
      body: TIMESTAMPED.body,
    });
    await expectRejection(verify(garbled), "timestamp_invalid");
  });

  it("rejects a sha256-sized signature where sha512 is configured", async () => {
    const delivery = deliveryOf({
      secrets: [TIMESTAMPED.secret],
      headers: { "x-signature": TIMESTAMPED.signature.slice(0, 64), "x-timestamp": TIMESTAMPED.timestamp },
      body: TIMESTAMPED.body,
    });
    const error = await expectRejection(verify(delivery), "signature_invalid");
    expect(error.message).toContain("sha512");
  });
});

describe("hmac verifier over a body that is not UTF-8", () => {
  const verify = hmacVerifier(hmacConfig.parse({ type: "hmac", header: "x-signature" }));

  it("signs the raw bytes", async () => {
    const delivery = deliveryOf({
      secrets: [BINARY.secret],
      headers: { "x-signature": BINARY.signature },
      body: BINARY.body,
    });
    await expect(verify(delivery)).resolves.toBe("verified");
  });
});
