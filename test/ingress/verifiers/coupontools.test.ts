import { describe, expect, it } from "vitest";
import { coupontoolsConfig } from "../../../src/ingress/verifiers";
import { coupontoolsVerifier } from "../../../src/ingress/verifiers/coupontools";
import { deliveryOf, expectRejection } from "./helpers";

const TOKEN = "ct_9d1e55b0a3";
const BODY = '{"id":"evt_123","type":"coupon_validated"}';

describe("coupontools verifier", () => {
  const verify = coupontoolsVerifier(
    coupontoolsConfig.parse({ type: "coupontools", connection: "coupontools-demo" }),
  );
  const at = (query: string, secrets = [TOKEN]) =>
    deliveryOf({ secrets, url: `https://hooks.example.com/webhooks/coupontools${query}`, body: BODY });

  it("passes a correct URL token as pending confirmation by Coupontools", async () => {
    await expect(verify(at(`?token=${TOKEN}`))).resolves.toBe("pending_confirmation");
  });

  it("accepts the second secret during rotation", async () => {
    await expect(verify(at(`?token=${TOKEN}`, ["ct_newer", TOKEN]))).resolves.toBe("pending_confirmation");
  });

  it("rejects a wrong token without echoing the secret", async () => {
    await expectRejection(verify(at("?token=ct_guess")), "token_invalid", [TOKEN]);
  });

  it("rejects a missing token", async () => {
    const error = await expectRejection(verify(at("")), "token_missing");
    expect(error.message).toContain("token query parameter");
  });

  it("reads the configured parameter", async () => {
    const custom = coupontoolsVerifier(
      coupontoolsConfig.parse({ type: "coupontools", param: "k", connection: "coupontools-demo" }),
    );
    await expect(custom(at(`?k=${TOKEN}`))).resolves.toBe("pending_confirmation");
    await expectRejection(custom(at(`?token=${TOKEN}`)), "token_missing");
  });
});
