import { describe, expect, it } from "vitest";
import {
  EXCERPT_LIMIT_BYTES,
  excerpt,
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
