import { describe, expect, it } from "vitest";
import { staticSecretConfig } from "../../../src/ingress/verifiers";
import { staticSecretVerifier } from "../../../src/ingress/verifiers/static-secret";
import { deliveryOf, expectRejection } from "./helpers";

const TOKEN = "tok_4f9c2a7e1b8d";
const PREVIOUS = "tok_previous-and-longer-0001";

describe("static-secret verifier in a header", () => {
  const verify = staticSecretVerifier(
    staticSecretConfig.parse({ type: "static-secret", in: "header", name: "X-Hookbridge-Token" }),
  );
  const withToken = (token: string, secrets = [TOKEN]) =>
    deliveryOf({ secrets, headers: { "x-hookbridge-token": token }, body: "{}" });

  it("accepts the shared secret", async () => {
    await expect(verify(withToken(TOKEN))).resolves.toBe("verified");
  });

  it("accepts the previous secret during rotation, whatever its length", async () => {
    await expect(verify(withToken(PREVIOUS, [TOKEN, PREVIOUS]))).resolves.toBe("verified");
  });

  it.each([
    ["a different token", "tok_000000000000"],
    ["a prefix of the secret", TOKEN.slice(0, -1)],
    ["the secret with a suffix", `${TOKEN}x`],
    ["the secret in another case", TOKEN.toUpperCase()],
    ["a retired secret", PREVIOUS],
  ])("rejects %s", async (_case, token) => {
    await expectRejection(verify(withToken(token)), "token_invalid", [TOKEN]);
  });

  it("rejects a missing or empty header, naming it", async () => {
    const error = await expectRejection(verify(deliveryOf({ secrets: [TOKEN] })), "token_missing");
    expect(error.message).toContain("x-hookbridge-token");
    await expectRejection(verify(withToken("")), "token_missing");
  });

  it("does not look in the query string", async () => {
    const delivery = deliveryOf({
      secrets: [TOKEN],
      url: `https://hooks.example.com/w?x-hookbridge-token=${TOKEN}`,
    });
    await expectRejection(verify(delivery), "token_missing");
  });
});

describe("static-secret verifier in a query parameter", () => {
  const verify = staticSecretVerifier(
    staticSecretConfig.parse({ type: "static-secret", in: "query", name: "key" }),
  );
  const at = (query: string, secrets = [TOKEN]) =>
    deliveryOf({ secrets, url: `https://hooks.example.com/webhooks/ometria${query}` });

  it("accepts the shared secret, URL-decoded", async () => {
    await expect(verify(at(`?key=${TOKEN}`))).resolves.toBe("verified");
    const special = "a+b/c=d&e";
    await expect(verify(at(`?key=${encodeURIComponent(special)}`, [special]))).resolves.toBe("verified");
  });

  it("accepts the second secret during rotation", async () => {
    await expect(verify(at(`?key=${PREVIOUS}`, [TOKEN, PREVIOUS]))).resolves.toBe("verified");
  });

  it("rejects a wrong token without echoing the secret", async () => {
    await expectRejection(verify(at("?key=guess")), "token_invalid", [TOKEN]);
  });

  it("rejects a missing parameter, or the token sent in a header instead", async () => {
    const error = await expectRejection(verify(at("?other=1")), "token_missing");
    expect(error.message).toContain("key query parameter");
    const inHeader = deliveryOf({ secrets: [TOKEN], headers: { key: TOKEN } });
    await expectRejection(verify(inHeader), "token_missing");
  });
});
