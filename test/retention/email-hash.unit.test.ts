import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors";
import { emailHash, redactedDedupeKey, redactedEmail, redactionSalt } from "../../src/retention/email-hash";
import { rawBodyForms } from "../../src/store/redaction";

const SALT = "a-test-salt-of-some-length";

describe("emailHash", () => {
  it("is the same for an address in any case or padding, and 64 hex digits", async () => {
    const hash = await emailHash(SALT, "ada@example.com");
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await emailHash(SALT, " Ada@Example.COM ")).toBe(hash);
  });

  it("differs between addresses and between salts", async () => {
    const hash = await emailHash(SALT, "ada@example.com");
    expect(await emailHash(SALT, "grace@example.com")).not.toBe(hash);
    expect(await emailHash(`${SALT}-rotated`, "ada@example.com")).not.toBe(hash);
  });

  it("is keyed: not the plain SHA-256 of the address", async () => {
    const plain = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode("ada@example.com")),
    );
    const plainHex = [...plain].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(await emailHash(SALT, "ada@example.com")).not.toBe(plainHex);
  });

  it("marks a redacted address with the hash", () => {
    expect(redactedEmail("ab12")).toBe("redacted:hmac-sha256:ab12");
  });
});

describe("redactedDedupeKey", () => {
  const key = "contact.unsubscribed:Ada@Example.com:2025-03-18 09:15:00.123456";

  it("is the marked HMAC-SHA256 of the exact key under the salt", async () => {
    const hmacKey = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(SALT),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(key)));
    const hex = [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(await redactedDedupeKey(SALT, key)).toBe(`redacted:hmac-sha256:${hex}`);
  });

  it("keeps keys that differ only in case distinct, as the UNIQUE constraint saw them", async () => {
    expect(await redactedDedupeKey(SALT, key)).not.toBe(await redactedDedupeKey(SALT, key.toLowerCase()));
  });
});

describe("redactionSalt", () => {
  it("returns the configured secret", () => {
    expect(redactionSalt({ REDACTION_SALT: SALT })).toBe(SALT);
  });

  it.each([
    ["missing", {}],
    ["too short", { REDACTION_SALT: "short" }],
    ["not a string", { REDACTION_SALT: 1234567890123456 }],
  ])("is a ConfigError naming REDACTION_SALT when %s", (_case, env) => {
    expect(() => redactionSalt(env)).toThrow(ConfigError);
    expect(() => redactionSalt(env)).toThrow(/REDACTION_SALT/);
  });
});

describe("rawBodyForms", () => {
  it("lists the address lower-case, as is and JSON-escaped", () => {
    expect(rawBodyForms(" Ada/Dev@Example.com ").sort()).toEqual(
      [
        "ada/dev@example.com",
        "ada/dev\\u0040example.com",
        "ada\\/dev@example.com",
        "ada\\/dev\\u0040example.com",
      ].sort(),
    );
  });
});
