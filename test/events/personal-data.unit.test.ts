import { describe, expect, it } from "vitest";
import { maskValues, personalValues } from "../../src/events/personal-data";

describe("personalValues", () => {
  it("collects strings under personal keys, whole sub-objects included, in canonical data and raw payloads", () => {
    const raw = {
      id: "evt_1",
      data: {
        customer: { id: 5512, email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" },
        shipping_address: { street: "12 St James's Square", phone: "+44 20 7946 0000", country: "GB" },
        currency: "EUR",
      },
    };
    expect(personalValues(raw).sort()).toEqual(
      ["+44 20 7946 0000", "12 St James's Square", "Ada", "GB", "Lovelace", "ada@example.com"].sort(),
    );
  });

  it("skips one-letter values and non-personal keys", () => {
    expect(personalValues({ first_name: "A", status: "paid", note: "Ada" })).toEqual([]);
  });
});

describe("maskValues", () => {
  it("masks every occurrence in any case, longest value first, and treats values literally", () => {
    expect(maskValues("User ADA LOVELACE (Ada) at a.b street", ["Ada", "Ada Lovelace", "a.b"])).toBe(
      "User *** (***) at *** street",
    );
    expect(maskValues("axb", ["a.b"])).toBe("axb");
  });
});
