import { describe, expect, it } from "vitest";
import { checkInput, standardSchema } from "../../src/membrane/input-schema";

const stamps = {
  type: "object",
  properties: {
    loyaltyCardId: { type: "string" },
    userId: { anyOf: [{ type: "string" }, { type: "integer" }] },
    amount: { type: "integer", minimum: 1 },
  },
  required: ["loyaltyCardId", "userId", "amount"],
};

describe("holding an action's input to its input schema", () => {
  it("passes an input that fits", () => {
    expect(checkInput(stamps, { loyaltyCardId: "c", userId: 7, amount: 2 })).toEqual([]);
  });

  it("names a missing required field and a field the schema lacks (Membrane would drop it)", () => {
    expect(checkInput(stamps, { loyaltyCardId: "c", userId: "7", stamps: 1 })).toEqual([
      { field: "amount", problem: "missing", detail: "required, not given" },
      { field: "stamps", problem: "unknown", detail: "not in the action's input schema" },
    ]);
  });

  it("names a field of the wrong type or range, nested fields by their path", () => {
    const nested = {
      type: "object",
      properties: {
        customer: { type: "object", properties: { email: { type: "string" } }, required: ["email"] },
      },
    };
    expect(checkInput(nested, { customer: { mail: "a" } })).toEqual([
      { field: "customer.email", problem: "missing", detail: "required, not given" },
      { field: "customer.mail", problem: "unknown", detail: "not in the action's input schema" },
    ]);
    const problems = checkInput(stamps, { loyaltyCardId: "c", userId: "7", amount: 0 });
    expect(problems).toEqual([expect.objectContaining({ field: "amount", problem: "invalid" })]);
  });

  it("reads Membrane's DataSchema: a $ref names an app schema (left open), allowCustom lets other values through", () => {
    const schema = {
      type: "object",
      properties: {
        contact: { $ref: "contacts" },
        channel: { type: "string", enum: ["email", "sms"], allowCustom: true },
        kind: { type: "string", enum: ["a", "b"] },
      },
    };
    expect(checkInput(schema, { contact: { anything: 1 }, channel: "push", kind: "a" })).toEqual([]);
    expect(checkInput(schema, { kind: "c" })).toEqual([
      expect.objectContaining({ field: "kind", problem: "invalid" }),
    ]);
    expect(standardSchema(schema)).toMatchObject({
      properties: { contact: {} },
      additionalProperties: false,
    });
  });

  it("leaves open an object that says other properties are allowed, or lists none", () => {
    expect(
      checkInput({ type: "object", properties: { a: {} }, additionalProperties: true }, { b: 1 }),
    ).toEqual([]);
    expect(
      checkInput(
        { type: "object", properties: { a: {} }, unevaluatedProperties: true, anyOf: [{}] },
        { b: 1 },
      ),
    ).toEqual([]);
    // No schema properties at all: nothing to hold the names to.
    expect(checkInput({ type: "object" }, { b: 1 })).toEqual([]);
  });

  it("reads combinators whole: allOf's branches add up, a field none of them names is refused", () => {
    const schema = {
      type: "object",
      allOf: [
        { properties: { a: { type: "string" } } },
        { properties: { b: { type: "string" } }, required: ["b"] },
      ],
    };
    expect(checkInput(schema, { a: "x", b: "y" })).toEqual([]);
    expect(checkInput(schema, { a: "x", b: "y", c: 1 })).toEqual([
      { field: "c", problem: "unknown", detail: "not in the action's input schema" },
    ]);
    expect(checkInput(schema, { a: "x" })).toEqual([
      { field: "b", problem: "missing", detail: "required, not given" },
    ]);
  });

  it("names a value a schema for other properties refuses as invalid, not as unknown", () => {
    const schema = { type: "object", properties: { a: {} }, additionalProperties: { type: "string" } };
    expect(checkInput(schema, { a: 1, c: "fine" })).toEqual([]);
    expect(checkInput(schema, { a: 1, c: 2 })).toEqual([
      expect.objectContaining({ field: "c", problem: "invalid" }),
    ]);
  });

  it("takes a missing input as an empty one", () => {
    expect(checkInput(stamps, undefined).map((p) => p.field)).toEqual(["loyaltyCardId", "userId", "amount"]);
  });
});
