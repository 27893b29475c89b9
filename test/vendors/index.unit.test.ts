import { describe, expect, it } from "vitest";
import { vendorName, vendors } from "../../src/vendors";

describe("vendor registry", () => {
  it("lists each vendor under its own name", () => {
    expect(Object.keys(vendors).sort()).toStrictEqual(["coupontools", "kooomo", "ometria"]);
    for (const [name, vendor] of Object.entries(vendors)) expect(vendor.name).toBe(name);
  });

  it("validates vendor names from configuration", () => {
    expect(vendorName.parse("ometria")).toBe("ometria");
    expect(vendorName.safeParse("shopify").success).toBe(false);
    expect(vendorName.safeParse("Kooomo").success).toBe(false);
  });

  it("every normalizer answers unrecognized, without throwing, for a body it cannot read", () => {
    for (const vendor of Object.values(vendors)) {
      expect(vendor.normalize(null)).toMatchObject({ recognized: false, problems: [expect.any(String)] });
    }
  });
});
