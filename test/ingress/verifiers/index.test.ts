import { describe, expect, it } from "vitest";
import { createVerifier, verifierConfig } from "../../../src/ingress/verifiers";
import { deliveryOf, expectRejection } from "./helpers";

// Each verifier is tested in its own file; this checks that every config type reaches its verifier.
describe("createVerifier", () => {
  it("builds a standard-webhooks verifier", async () => {
    const verify = createVerifier(verifierConfig.parse({ type: "standard-webhooks" }));
    const error = await expectRejection(verify(deliveryOf({ secrets: ["whsec_AAAA"] })), "signature_missing");
    expect(error.message).toContain("webhook-signature");
  });

  it("builds an hmac verifier", async () => {
    const verify = createVerifier(verifierConfig.parse({ type: "hmac", header: "x-sig" }));
    const error = await expectRejection(verify(deliveryOf({ secrets: ["k"] })), "signature_missing");
    expect(error.message).toContain("x-sig");
  });

  it("builds a static-secret verifier", async () => {
    const verify = createVerifier(
      verifierConfig.parse({ type: "static-secret", in: "header", name: "x-token" }),
    );
    await expect(verify(deliveryOf({ secrets: ["t"], headers: { "x-token": "t" } }))).resolves.toBe(
      "verified",
    );
  });

  it("builds a coupontools verifier", async () => {
    const verify = createVerifier(
      verifierConfig.parse({ type: "coupontools", connection: "coupontools-demo" }),
    );
    const delivery = deliveryOf({
      secrets: ["t"],
      url: "https://hooks.example.com/webhooks/coupontools?token=t",
    });
    await expect(verify(delivery)).resolves.toBe("pending_confirmation");
  });
});
