import { describe, expect, it } from "vitest";
import { compileExpression } from "../../src/reactions/expression";
import { caretAt, nearestFields } from "../../src/reactions/expression-hints";

describe("expression hints", () => {
  it("a parse error shows the expression with a caret under JSONata's position", () => {
    const compiled = compileExpression("data.total.amount_minor >");
    expect("error" in compiled && compiled.error).toBe(
      `does not parse (S0207 at 25): Unexpected end of expression\n    data.total.amount_minor >\n    ${" ".repeat(24)}^`,
    );
    // A long expression is cut around the position.
    const long = `${"x".repeat(100)} +`;
    expect(caretAt(long, 102)).toBe(`\n    ...${"x".repeat(59)} +\n    ${" ".repeat(63)}^`);
    expect(caretAt("a", undefined)).toBe("");
  });

  it("names the nearest fields of a misspelled one, at the level where it went wrong", () => {
    expect(nearestFields(["data", "customer", "emial"], ["order.paid"])).toEqual(["data.customer.email"]);
    expect(nearestFields(["data", "totl", "amount_minor"], ["order.paid"])).toEqual([
      "data.total.amount_minor",
    ]);
    expect(nearestFields(["dta", "id"], ["order.paid"])).toEqual(["data"]);
    // Nothing near: no guess.
    expect(nearestFields(["data", "zzzzzzzz"], ["order.paid"])).toEqual([]);
  });
});
