import { describe, expect, it } from "vitest";
import { secretEquals, timingSafeEqual } from "../../src/lib/timing-safe";

const bytes = (...values: number[]) => new Uint8Array(values);

describe("timingSafeEqual", () => {
  it("is true only for identical bytes", () => {
    expect(timingSafeEqual(bytes(1, 2, 3), bytes(1, 2, 3))).toBe(true);
    expect(timingSafeEqual(bytes(), bytes())).toBe(true);
    expect(timingSafeEqual(bytes(0, 2, 3), bytes(1, 2, 3))).toBe(false);
    expect(timingSafeEqual(bytes(1, 2, 3), bytes(1, 2, 4))).toBe(false);
  });

  it("answers false, without throwing, when lengths differ", () => {
    expect(timingSafeEqual(bytes(1, 2, 3), bytes(1, 2))).toBe(false);
    expect(timingSafeEqual(bytes(), bytes(0))).toBe(false);
  });

  it("compares views by their own bytes, not their underlying buffers", () => {
    const buffer = bytes(9, 1, 2, 3, 9);
    expect(timingSafeEqual(buffer.subarray(1, 4), bytes(1, 2, 3))).toBe(true);
  });
});

describe("secretEquals", () => {
  it("is true only for the same text", async () => {
    expect(await secretEquals("s3cret", "s3cret")).toBe(true);
    expect(await secretEquals("s3cret", "s3creT")).toBe(false);
  });

  it("handles different lengths, including prefixes and the empty string", async () => {
    expect(await secretEquals("s3c", "s3cret")).toBe(false);
    expect(await secretEquals("s3cret-and-more", "s3cret")).toBe(false);
    expect(await secretEquals("", "s3cret")).toBe(false);
  });

  it("compares Unicode text exactly", async () => {
    expect(await secretEquals("clé-€", "clé-€")).toBe(true);
    expect(await secretEquals("cle-€", "clé-€")).toBe(false);
  });
});
