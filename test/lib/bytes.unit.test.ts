import { describe, expect, it } from "vitest";
import { concatBytes, fromBase64, fromHex, utf8 } from "../../src/lib/bytes";

describe("fromHex", () => {
  it("decodes either case", () => {
    expect(fromHex("00ff7Fa0")).toEqual(new Uint8Array([0x00, 0xff, 0x7f, 0xa0]));
    expect(fromHex("")).toEqual(new Uint8Array());
  });

  it.each(["abc", "0g", "00 ff", "0x00"])("rejects %j", (text) => {
    expect(fromHex(text)).toBeUndefined();
  });
});

describe("fromBase64", () => {
  it("decodes padded standard base64", () => {
    expect(fromBase64("AP9/")).toEqual(new Uint8Array([0x00, 0xff, 0x7f]));
    expect(fromBase64("AP8=")).toEqual(new Uint8Array([0x00, 0xff]));
    expect(fromBase64("AA==")).toEqual(new Uint8Array([0x00]));
  });

  it.each(["AP8", "AA", "A", "AP_-", "AP8=\n", "AP 8=", "AP8==", "=AP8"])("rejects %j", (text) => {
    expect(fromBase64(text)).toBeUndefined();
  });
});

describe("concatBytes", () => {
  it("joins in order", () => {
    expect(concatBytes(utf8("a."), new Uint8Array([0xff]), utf8(""))).toEqual(
      new Uint8Array([0x61, 0x2e, 0xff]),
    );
  });
});
