import { describe, expect, it } from "vitest";
import { compileExpression, type Expression } from "../../src/reactions/expression";

// Each runaway below is finite: without the limits it runs to its end in about a second (up to ~2 million
// steps) and resolves, so these tests fail rather than hang on code without them. An endless loop of
// promises would never let the test's timeout fire.

function compile(source: string): Expression {
  const expression = compileExpression(source);
  if ("error" in expression) throw new Error(expression.error);
  return expression;
}

/** Counts down `n` in tail position: constant depth, about 9 steps a round. */
const TAIL_LOOP = '($f := function($n){ $n > 0 ? $f($n - 1) : "finished" }; $f(n))';

const stepLimit = { code: "step_limit", message: expect.stringMatching(/^more than \d+ evaluation steps/) };

describe("expression limits", () => {
  it("a recursive lambda stops at the step limit with step_limit, instead of running to its end", async () => {
    await expect(compile(TAIL_LOOP).evaluate({ n: 200_000 })).rejects.toMatchObject(stepLimit);
  });

  it("an exponential recursion stops at the step limit", async () => {
    const exponential = compile("($f := function($n){ $n > 0 ? $f($n - 1) + $f($n - 1) : 1 }; $f(n))");
    await expect(exponential.evaluate({ n: 17 })).rejects.toMatchObject(stepLimit);
  });

  it("a recursion that is not in tail position stops at the depth limit with depth_limit", async () => {
    const nested = compile("($f := function($n){ $n > 0 ? 1 + $f($n - 1) : 0 }; $f(n))");
    await expect(nested.evaluate({ n: 5_000 })).rejects.toMatchObject({
      code: "depth_limit",
      message: expect.stringMatching(/^nested more than \d+ deep/),
    });
  });

  it("a range or a doubling $append stops at the sequence limit with sequence_limit, before it allocates", async () => {
    const sequenceLimit = {
      code: "sequence_limit",
      message: expect.stringMatching(/^a sequence of more than/),
    };
    await expect(compile("$count([1..n])").evaluate({ n: 1_000_000 })).rejects.toMatchObject(sequenceLimit);
    const doubling = compile(
      "($f := function($a, $n){ $n > 0 ? $f($append($a, $a), $n - 1) : $count($a) }; $f([1], n))",
    );
    await expect(doubling.evaluate({ n: 21 })).rejects.toMatchObject(sequenceLimit);
  });

  it("a runaway inside $eval stops with the same code", async () => {
    const inner = compile("$eval(source)");
    await expect(inner.evaluate({ source: TAIL_LOOP.replace("$f(n)", "$f(200000)") })).rejects.toMatchObject(
      stepLimit,
    );
  });

  it("counts each evaluation apart: a runaway and a normal evaluation of one expression, at once", async () => {
    const loop = compile(TAIL_LOOP);
    const [runaway, quick, alsoQuick] = await Promise.allSettled([
      loop.evaluate({ n: 200_000 }),
      loop.evaluate({ n: 10 }),
      loop.evaluate({ n: 10 }),
    ]);
    expect(runaway).toMatchObject({ status: "rejected", reason: stepLimit });
    expect([quick, alsoQuick]).toEqual([
      { status: "fulfilled", value: "finished" },
      { status: "fulfilled", value: "finished" },
    ]);
    // Two evaluations of 60 % of the limit each: a shared count would stop the second.
    const [first, second] = await Promise.all([loop.evaluate({ n: 3_300 }), loop.evaluate({ n: 3_300 })]);
    expect([first, second]).toEqual(["finished", "finished"]);
  });

  it("leaves real mappings room: 1000 line items mapped, $raw still bound", async () => {
    const items = Array.from({ length: 1_000 }, (_, i) => ({ sku: `s${i}`, price: i, quantity: 2 }));
    const mapping = compile(
      '{"lines": data.items.{"sku": sku, "amount": price * quantity}, "total": $sum(data.items.(price * quantity)), "store": $raw.store}',
    );
    const value = (await mapping.evaluate({ data: { items } }, { raw: { store: "eu" } })) as {
      lines: unknown[];
      total: number;
      store: string;
    };
    expect([value.lines.length, value.total, value.store]).toEqual([1_000, 999_000, "eu"]);
  });
});
