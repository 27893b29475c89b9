import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors";
import { standardWebhooksConfig } from "../../../src/ingress/verifiers";
import { standardWebhooksVerifier } from "../../../src/ingress/verifiers/standard-webhooks";
import { deliveryOf, expectRejection, NOW_SECONDS } from "./helpers";

// Signatures come from the reference `standardwebhooks` library (it runs in workerd as is), so these
// tests check our verifier against an independent implementation rather than against itself.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PREVIOUS_SECRET = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24=";
const ID = "msg_2Xk1example";
const BODY =
  '{"type":"order.created","data":{"id":"A-1001","total":"12.50","currency":"EUR","note":"Grüße €"}}';

const verify = standardWebhooksVerifier(standardWebhooksConfig.parse({ type: "standard-webhooks" }));

function signedBy(secret: string, timestamp = NOW_SECONDS, body = BODY, id = ID): string {
  return new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
}

function headers(
  signature: string,
  timestamp: number | string = NOW_SECONDS,
  id = ID,
): Record<string, string> {
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
}

describe("standard-webhooks verifier", () => {
  it("verifies a delivery signed by the reference library", async () => {
    const delivery = deliveryOf({ secrets: [SECRET], headers: headers(signedBy(SECRET)), body: BODY });
    await expect(verify(delivery)).resolves.toBe("verified");
  });

  it("rejects the delivery when one byte of the body changes", async () => {
    const tampered = BODY.replace("12.50", "12.51");
    const delivery = deliveryOf({ secrets: [SECRET], headers: headers(signedBy(SECRET)), body: tampered });
    await expectRejection(verify(delivery), "signature_invalid");
  });

  it("checks the signature over the raw bytes, not re-encoded text", async () => {
    const bytes = new TextEncoder().encode(BODY);
    const delivery = deliveryOf({ secrets: [SECRET], headers: headers(signedBy(SECRET)), body: bytes });
    await expect(verify(delivery)).resolves.toBe("verified");
  });

  it("rejects a signature made with another secret", async () => {
    const delivery = deliveryOf({
      secrets: [SECRET],
      headers: headers(signedBy(PREVIOUS_SECRET)),
      body: BODY,
    });
    await expectRejection(verify(delivery), "signature_invalid");
  });

  it("accepts the previous secret during rotation", async () => {
    const delivery = deliveryOf({
      secrets: [SECRET, PREVIOUS_SECRET],
      headers: headers(signedBy(PREVIOUS_SECRET)),
      body: BODY,
    });
    await expect(verify(delivery)).resolves.toBe("verified");
  });

  it("accepts any matching entry when the sender signs with several secrets", async () => {
    const both = `${signedBy(PREVIOUS_SECRET)} ${signedBy(SECRET)}`;
    await expect(verify(deliveryOf({ secrets: [SECRET], headers: headers(both), body: BODY }))).resolves.toBe(
      "verified",
    );
  });

  it("accepts a secret given without the whsec_ prefix (still base64)", async () => {
    const raw = SECRET.slice("whsec_".length);
    const delivery = deliveryOf({ secrets: [raw], headers: headers(signedBy(SECRET)), body: BODY });
    await expect(verify(delivery)).resolves.toBe("verified");
  });

  it("ignores entries of other versions", async () => {
    const [, base64] = signedBy(SECRET).split(",");
    const mixed = `v1a,${base64} v1,${base64}`;
    await expect(
      verify(deliveryOf({ secrets: [SECRET], headers: headers(mixed), body: BODY })),
    ).resolves.toBe("verified");
    const onlyOther = deliveryOf({ secrets: [SECRET], headers: headers(`v2,${base64}`), body: BODY });
    await expectRejection(verify(onlyOther), "signature_invalid");
  });

  it("signs the id and the timestamp, not only the body", async () => {
    const otherId = deliveryOf({
      secrets: [SECRET],
      headers: headers(signedBy(SECRET), NOW_SECONDS, "msg_other"),
      body: BODY,
    });
    await expectRejection(verify(otherId), "signature_invalid");
    const otherTime = deliveryOf({
      secrets: [SECRET],
      headers: headers(signedBy(SECRET), NOW_SECONDS - 1),
      body: BODY,
    });
    await expectRejection(verify(otherTime), "signature_invalid");
  });

  it("accepts timestamps exactly at the tolerance, both ways", async () => {
    for (const timestamp of [NOW_SECONDS - 300, NOW_SECONDS + 300]) {
      const delivery = deliveryOf({
        secrets: [SECRET],
        headers: headers(signedBy(SECRET, timestamp), timestamp),
        body: BODY,
      });
      await expect(verify(delivery)).resolves.toBe("verified");
    }
  });

  it("rejects a correctly signed but stale delivery", async () => {
    const timestamp = NOW_SECONDS - 301;
    const delivery = deliveryOf({
      secrets: [SECRET],
      headers: headers(signedBy(SECRET, timestamp), timestamp),
      body: BODY,
    });
    await expectRejection(verify(delivery), "timestamp_expired");
  });

  it("rejects a correctly signed delivery from the future", async () => {
    const timestamp = NOW_SECONDS + 301;
    const delivery = deliveryOf({
      secrets: [SECRET],
      headers: headers(signedBy(SECRET, timestamp), timestamp),
      body: BODY,
    });
    await expectRejection(verify(delivery), "timestamp_in_future");
  });

  it("uses the configured tolerance", async () => {
    const strict = standardWebhooksVerifier(
      standardWebhooksConfig.parse({ type: "standard-webhooks", tolerance_seconds: 60 }),
    );
    const timestamp = NOW_SECONDS - 61;
    const delivery = deliveryOf({
      secrets: [SECRET],
      headers: headers(signedBy(SECRET, timestamp), timestamp),
      body: BODY,
    });
    await expectRejection(strict(delivery), "timestamp_expired");
    await expect(verify(delivery)).resolves.toBe("verified");
  });

  it("rejects a timestamp in milliseconds, saying seconds are expected", async () => {
    const delivery = deliveryOf({
      secrets: [SECRET],
      headers: headers(signedBy(SECRET), NOW_SECONDS * 1000),
      body: BODY,
    });
    const error = await expectRejection(verify(delivery), "timestamp_invalid");
    expect(error.message).toContain("seconds");
  });

  it.each(["abc", "1700000000.5", "-1700000000", "1700000000abc", "1e9"])(
    "rejects the non-numeric timestamp %j",
    async (timestamp) => {
      const delivery = deliveryOf({
        secrets: [SECRET],
        headers: headers(signedBy(SECRET), timestamp),
        body: BODY,
      });
      await expectRejection(verify(delivery), "timestamp_invalid");
    },
  );

  it.each([
    ["webhook-signature", "signature_missing"],
    ["webhook-id", "signature_missing"],
    ["webhook-timestamp", "timestamp_missing"],
  ] as const)("rejects a delivery without %s", async (name, code) => {
    const present = headers(signedBy(SECRET));
    delete present[name];
    const error = await expectRejection(
      verify(deliveryOf({ secrets: [SECRET], headers: present, body: BODY })),
      code,
    );
    expect(error.message).toContain(name);
  });

  it.each([
    ["no version", () => signedBy(SECRET).split(",")[1] ?? ""],
    ["no signature after the comma", () => "v1,"],
    ["a version only", () => "v1"],
    ["base64 that is not base64", () => "v1,not*base64!"],
    ["unpadded base64", () => signedBy(SECRET).replace(/=+$/, "")],
    [
      "hex instead of base64",
      () =>
        `v1,${[...atob(signedBy(SECRET).split(",")[1] ?? "")].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("")}`,
    ],
  ])("rejects a signature header with %s", async (_case, signature) => {
    const delivery = deliveryOf({ secrets: [SECRET], headers: headers(signature()), body: BODY });
    await expectRejection(verify(delivery), "signature_invalid");
  });

  it("never echoes the secret or the expected signature", async () => {
    const expected = signedBy(SECRET).split(",")[1] ?? "";
    const delivery = deliveryOf({ secrets: [SECRET], headers: headers("v1,AAAA"), body: BODY });
    await expectRejection(verify(delivery), "signature_invalid", [SECRET, SECRET.slice(6), expected]);
  });

  it("treats a secret that is not base64 as a configuration error", async () => {
    const delivery = deliveryOf({
      secrets: ["whsec_not base64!"],
      headers: headers(signedBy(SECRET)),
      body: BODY,
    });
    const error = await verify(delivery).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).not.toContain("not base64!");
  });
});
