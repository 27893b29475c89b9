import { describe, expect, it } from "vitest";
import { dotSegmentIn } from "../../src/lib/url-path";

describe("workerd's URL parser, which dotSegmentIn follows", () => {
  const pathOf = (tail: string) => new URL(`https://m.test/base/connections/c/proxy/${tail}`).pathname;

  it("resolves dot segments written plainly, percent-encoded in any case, or with backslashes and tabs", () => {
    for (const tail of ["../users", "%2e%2e/users", ".%2E/users", "%2E./users", "..\\users", "..\t/users"])
      expect(pathOf(tail), tail).toBe("/base/connections/c/users");
    expect(pathOf("%2e/users")).toBe("/base/connections/c/proxy/users");
    expect(pathOf("a\\..\\..\\..\\b")).toBe("/base/connections/b");
  });

  it("leaves an encoded slash, an escaped escape and other characters after the dots alone", () => {
    for (const tail of ["a%2F..%2Fb/users", "%252e%252e/users", "..%00/users", "...", "..a"])
      expect(pathOf(tail), tail).toBe(`/base/connections/c/proxy/${tail}`);
  });
});

describe("dotSegmentIn", () => {
  it("finds the dot segments the URL parser resolves", () => {
    expect(dotSegmentIn("..")).toBe("..");
    expect(dotSegmentIn(".")).toBe(".");
    expect(dotSegmentIn("/v4/directory/../users")).toBe("..");
    expect(dotSegmentIn("/v4/./users")).toBe(".");
    for (const text of [
      "%2e%2e",
      "%2E%2E",
      ".%2e",
      ".%2E",
      "%2e.",
      "/v4/%2e%2e/users",
      "a\\..\\b",
      "..\t",
      ".\n.",
    ])
      expect(dotSegmentIn(text), JSON.stringify(text)).toBe("..");
    expect(dotSegmentIn("%2e")).toBe(".");
  });

  it("finds those a further decoding on the way would make: escaped escapes, encoded separators", () => {
    for (const text of ["%252e%252e", "%25252E.", "a%2F..%2Fb", "a%5c..", "..%09", "%2e%0a%2e"])
      expect(dotSegmentIn(text), text).toBe("..");
  });

  it("leaves paths and values without one alone", () => {
    for (const text of [
      "",
      "/",
      "/v4/directory/d1/users",
      "...",
      "..a",
      "a..",
      ".hidden",
      "v1.2",
      "a/b",
      "100%",
      "%2e%2e%2e",
      "%zz",
    ])
      expect(dotSegmentIn(text), text).toBeUndefined();
  });
});
