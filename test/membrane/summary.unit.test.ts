import { describe, expect, it } from "vitest";
import { redact } from "../../src/lib/log";
import {
  EXCERPT_LIMIT_BYTES,
  excerpt,
  maskedJsonPrefix,
  summarizeRequest,
  summarizeResponse,
} from "../../src/membrane/summary";

const bytes = (text: string) => new TextEncoder().encode(text).byteLength;

describe("excerpt", () => {
  it("keeps short text whole", () => {
    expect(excerpt("short")).toBe("short");
  });

  it("cuts long text to the byte limit, marker included, without splitting a character", () => {
    const text = "é€😀".repeat(400); // 2 + 3 + 4 bytes per group
    const cut = excerpt(text);
    expect(bytes(cut)).toBeLessThanOrEqual(EXCERPT_LIMIT_BYTES);
    expect(bytes(cut)).toBeGreaterThan(EXCERPT_LIMIT_BYTES - 10);
    expect(cut.endsWith("…[truncated]")).toBe(true);
    expect(text.startsWith(cut.slice(0, -"…[truncated]".length))).toBe(true);
    expect(cut).not.toContain("\uFFFD");
  });
});

it("cuts at the last whole character that fits, counting bytes as UTF-8 writes them", () => {
  const parts = ["a", "é", "€", "😀", "\ud800"]; // 1, 2, 3, 4 bytes, and a lone surrogate (U+FFFD: 3)
  for (let n = 0; n < 200; n++) {
    const text = Array.from({ length: 10 + n * 7 }, (_, i) => parts[(i * 7 + n) % parts.length]).join("");
    const limit = 20 + (n % 40);
    const cut = excerpt(text, limit);
    if (bytes(text) <= limit) expect(cut).toBe(text);
    else {
      const kept = cut.slice(0, -"…[truncated]".length);
      expect(text.startsWith(kept)).toBe(true);
      expect(bytes(cut)).toBeLessThanOrEqual(limit);
      // One more character would not have fitted.
      const next = text.slice(
        kept.length,
        kept.length + ((text.codePointAt(kept.length) ?? 0) > 0xffff ? 2 : 1),
      );
      expect(bytes(`${kept}${next}…[truncated]`)).toBeGreaterThan(limit);
    }
  }
});

describe("summaries", () => {
  it("record method, path and masked query and body of a request", () => {
    const url = new URL(
      "https://api.getmembrane.com/connections/c1/proxy/v3/send/email?campaign=7&token=abc",
    );
    const summary = summarizeRequest("POST", url, JSON.stringify({ email: "ada@example.com", secret: "s3" }));
    expect(summary).toEqual({
      method: "POST",
      path: "/connections/c1/proxy/v3/send/email?campaign=7&token=%5Bredacted%5D",
      body: JSON.stringify({ email: "***@example.com", secret: "[redacted]" }),
    });
  });

  it("mask an e-mail address in the path, encoded or not, so a stored summary never holds one", () => {
    const url = new URL(
      "https://api.test/connections/c/proxy/v4/directory/d-1/users/Xavier%40Example.org/x@example.org?q=1",
    );
    const summary = summarizeRequest("GET", url, undefined);
    expect(summary.path).toBe(
      "/connections/c/proxy/v4/directory/d-1/users/***%40Example.org/***%40example.org?q=1",
    );
    expect(summary.path.toLowerCase()).not.toContain("xavier");
    // Segments without an address, even ones that do not decode, stay as they were.
    const odd = summarizeRequest(
      "GET",
      new URL("https://api.test/connections/c/proxy/a%E0%A4%A/b"),
      undefined,
    );
    expect(odd.path).toBe("/connections/c/proxy/a%E0%A4%A/b");
  });

  it("record status, content type, Retry-After and a bounded body excerpt of a response", () => {
    const headers = new Headers({ "content-type": "text/plain", "retry-after": "30", "set-cookie": "sid=1" });
    const summary = summarizeResponse(503, headers, `busy ${"x".repeat(5000)} ops@example.com`);
    expect(summary).toMatchObject({ status: 503, contentType: "text/plain", retryAfter: "30" });
    expect(bytes(summary.body)).toBeLessThanOrEqual(EXCERPT_LIMIT_BYTES);
    expect(JSON.stringify(summary)).not.toContain("sid=1");
  });
});

it("masks the Coupontools search term (the customer's e-mail local part) in request summaries", () => {
  const summary = summarizeRequest(
    "POST",
    new URL("https://api.test/connections/c/proxy/v3/loyaltyusers/search"),
    JSON.stringify({ loyaltycard: "card-1", search: "ada_lovelace" }),
  );
  expect(summary.body).toBe('{"loyaltycard":"card-1","search":"[redacted]"}');
});

describe("masked JSON written only as far as the excerpt needs", () => {
  const value = {
    records: [
      { id: 1, email: "ada@example.com", tags: ["a", null, true, 2.5], nested: { api_key: "k", note: "é" } },
      { id: 2, email: null, password: { any: "thing" }, empty: {}, list: [] },
    ],
    token: null,
    search: "ada_lovelace",
    total: -3e-7,
  };

  it("writes what JSON.stringify writes of the redacted value, the top-level search term masked", () => {
    const expected = JSON.stringify({ ...(redact(value) as object), search: "[redacted]" });
    expect(maskedJsonPrefix(value, Number.POSITIVE_INFINITY)).toBe(expected);
    expect(maskedJsonPrefix([value], Number.POSITIVE_INFINITY)).toBe(JSON.stringify(redact([value])));
  });

  it("stops soon after the limit, and the response excerpt is the same as of the whole masked body", () => {
    const users = Array.from({ length: 3000 }, (_, n) => ({
      id: `u${n}`,
      email: `user${n}@example.com`,
      stamps: n,
    }));
    const written = maskedJsonPrefix({ records: users }, 100);
    expect(written.length).toBeGreaterThan(100);
    expect(written.length).toBeLessThan(200);
    const body = JSON.stringify({ records: users });
    const summary = summarizeResponse(200, new Headers(), body);
    expect(summary.body).toBe(excerpt(JSON.stringify(redact({ records: users }))));
    expect(summary.body).not.toMatch(/user\d+@/);
    expect(summary.body.endsWith("…[truncated]")).toBe(true);
  });

  it("masks the addresses of a long text body, however densely they fill it", () => {
    const dense = Array.from({ length: 2000 }, (_, n) => `${"l".repeat(64)}${n}@ex.co`).join(" ");
    const masked = summarizeResponse(502, new Headers(), dense).body;
    expect(masked).not.toMatch(/l{4}/);
    expect(masked.endsWith("…[truncated]")).toBe(true);
  });
});
