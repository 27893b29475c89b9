import jsonata from "jsonata";
import { z } from "zod";
import { envelopeKeys } from "../events/cloudevent";
import { type EventType, eventDataSchemas } from "../events/types";
import { caretAt } from "./expression-hints";

/**
 * The operator's expressions (`when` filters, input and body mappings) are JSONata: a documented query and
 * mapping language for JSON, whose reference implementation (npm `jsonata`) parses to an AST and interprets
 * it, with no `eval` or `new Function`, which Workers forbid (docs: developers.cloudflare.com/workers/runtime-apis/web-standards/#javascript-standards).
 * It reads paths like `data.customer.email` as they are written, filters arrays, and builds objects;
 * CEL only evaluates to values, so an input object would need one expression per field.
 */
export interface Expression {
  source: string;
  /**
   * Evaluates against the event; `bindings` become `$name` variables (e.g. `$raw`). Throws on a type error,
   * and an ExpressionLimitError when the evaluation passes one of EXPRESSION_LIMITS.
   */
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
  /** The simple field paths the expression reads from the event (leading name steps, e.g. data.total). */
  paths: readonly string[][];
}

/**
 * Bounds of one evaluation. JSONata can loop (a recursive lambda), and a loop would spin until the CPU limit
 * kills the invocation with every other delivery in it; a wall-clock timeout cannot help, as `Date.now()` does
 * not advance on Workers without I/O. So evaluations count instead. Measured (JSONata 2.2): the shipped
 * expressions take 13-34 steps at depth 4-12 (wrangler.toml's vip-coupon-by-email `when` 13, `input` 18;
 * alerts-to-chat's body 22-34), a mapping over a list 6-16 per item; a step costs ~0.5 us, ~0.8 us counted.
 */
export const EXPRESSION_LIMITS = {
  /**
   * Over 1000 times the shipped expressions' (a mapping over 3000 items fits), and a runaway stops
   * within tens of milliseconds of CPU: a batch of a hundred of them stays far under the 30 s CPU limit.
   */
  steps: 50_000,
  /**
   * Nested evaluations (a recursive call that is not in tail position nests 3): about 80 times the shipped
   * expressions'. JSONata's evaluator is async, so the JS stack does not overflow (300 000 deep ran in
   * workerd); this bound names a recursion that does not end before the step limit does, and caps the
   * memory its unfinished calls hold.
   */
  depth: 1_000,
  /**
   * Items in one sequence (JSONata's own guardrail, checked before a range or $append allocates): a range
   * such as [1..$n] or a doubling $append builds millions of items in a few steps, tens of MB of the
   * isolate's 128 MB; no array of a 1 MB event comes near this. Strings are not capped.
   */
  sequence: 100_000,
} as const;

export type ExpressionLimitCode = "step_limit" | "depth_limit" | "sequence_limit";

/** An evaluation stopped at one of EXPRESSION_LIMITS: the same expression stops again on the same event. */
export class ExpressionLimitError extends Error {
  constructor(
    readonly code: ExpressionLimitCode,
    message: string,
  ) {
    super(message);
    this.name = "ExpressionLimitError";
  }
}

const tooManySteps = () =>
  new ExpressionLimitError(
    "step_limit",
    `more than ${EXPRESSION_LIMITS.steps} evaluation steps (a runaway or endlessly recursive expression)`,
  );

/**
 * JSONata calls the function bound to this symbol before each evaluation step, as (expr, input, environment).
 * It binds only the string keys of `bindings` (a symbol-keyed hook there is ignored), so the hook is assigned
 * once per compiled expression and the count is a per-evaluation binding: concurrent evaluations of one
 * expression count apart.
 */
const EVALUATE_ENTRY = Symbol.for("jsonata.__evaluate_entry");
/** Variable names end at a space: no expression can read or rebind this one. */
const STEPS_BINDING = "evaluation steps";
type StepCount = { steps: number };

function countStep(_expr: unknown, _input: unknown, environment: jsonata.Environment): void {
  const count = environment.lookup(STEPS_BINDING) as StepCount;
  if (++count.steps > EXPRESSION_LIMITS.steps) throw tooManySteps();
}

/** JSONata's own guardrail errors as ours; `$eval` wraps what its expression threw (D3121). */
function asLimitError(error: unknown): ExpressionLimitError | undefined {
  if (error instanceof ExpressionLimitError) return error;
  const e = error as { code?: unknown; error?: unknown } | null;
  if (e?.code === "D3121") return asLimitError(e.error);
  if (e?.code === "D1011")
    return new ExpressionLimitError(
      "depth_limit",
      `nested more than ${EXPRESSION_LIMITS.depth} deep (a recursion that does not end)`,
    );
  if (e?.code === "D2015")
    return new ExpressionLimitError(
      "sequence_limit",
      `a sequence of more than ${EXPRESSION_LIMITS.sequence} items`,
    );
  return undefined;
}

/** Parses an expression, or says why it does not parse (JSONata's code, message and position). */
export function compileExpression(source: string): Expression | { error: string } {
  let compiled: ReturnType<typeof jsonata>;
  try {
    compiled = jsonata(source, { stack: EXPRESSION_LIMITS.depth, sequence: EXPRESSION_LIMITS.sequence });
  } catch (error) {
    const e = error as { code?: string; message?: string; position?: number };
    return {
      error: `does not parse (${e.code ?? "error"} at ${e.position ?? "?"}): ${e.message ?? error}${caretAt(source, e.position)}`,
    };
  }
  // The typings name variables by string; JSONata's frames take a symbol too.
  compiled.assign(EVALUATE_ENTRY as unknown as string, countStep);
  return {
    source,
    evaluate: async (input, bindings) => {
      const count: StepCount = { steps: 0 };
      try {
        return await compiled.evaluate(input, { ...bindings, [STEPS_BINDING]: count });
      } catch (error) {
        throw asLimitError(error) ?? error;
      }
    },
    paths: eventPaths(compiled.ast()),
  };
}

type Node = { type?: string; value?: unknown; steps?: Node[]; [key: string]: unknown };

/**
 * The leading runs of name steps of the paths read at the top level of the expression: `data.total.x` in
 * `data.total.x > 1` or `$exists(data.total.x)`. Paths inside predicates, blocks after a step, or lambdas
 * are relative to another context and are not collected, nor are `$raw...` paths (the vendor's payload
 * has no schema here).
 */
function eventPaths(root: unknown): string[][] {
  const found: string[][] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!node || typeof node !== "object") return;
    const n = node as Node;
    if (n.type === "lambda") return;
    if (n.type === "path" && Array.isArray(n.steps)) {
      const names: string[] = [];
      for (const step of n.steps) {
        if (step.type !== "name" || typeof step.value !== "string") break;
        names.push(step.value);
        if (step.stages || step.predicate) break;
      }
      if (names.length > 0) found.push(names);
      return;
    }
    if (n.type === "name" && typeof n.value === "string") {
      found.push([n.value]);
      return;
    }
    for (const key of ["lhs", "rhs", "expressions", "arguments", "condition", "then", "else", "expression"])
      visit(n[key]);
  };
  visit(root);
  return found;
}

/** Whether an event of one of `types` can have the field at `path` (by the canonical zod schemas). */
export function pathExists(path: readonly string[], types: readonly EventType[]): boolean {
  const [head, ...rest] = path;
  if (head === undefined) return true;
  if (head !== "data") return rest.length === 0 && (envelopeKeys as readonly string[]).includes(head);
  return types.some((type) => walk(eventDataSchemas[type], rest));
}

function walk(schema: z.ZodType, path: readonly string[]): boolean {
  const [head, ...rest] = path;
  if (head === undefined) return true;
  // Optional fields and arrays: JSONata reads through both (a path over an array maps over its items).
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault)
    return walk(schema.unwrap() as z.ZodType, path);
  if (schema instanceof z.ZodArray) return walk(schema.element as z.ZodType, path);
  if (schema instanceof z.ZodObject) {
    const field = (schema.shape as Record<string, z.ZodType>)[head];
    return field !== undefined && walk(field, rest);
  }
  return false;
}

/** The `{...}` parts of a path template, e.g. `/v4/directory/{data.customer.id}/users`. */
export interface PathTemplate {
  source: string;
  parts: ({ text: string } | { expression: Expression })[];
}

export function compilePathTemplate(source: string): PathTemplate | { error: string } {
  const parts: PathTemplate["parts"] = [];
  const pattern = /\{([^{}]+)\}/g;
  let last = 0;
  for (const match of source.matchAll(pattern)) {
    if (match.index > last) parts.push({ text: source.slice(last, match.index) });
    const expression = compileExpression(match[1] ?? "");
    if ("error" in expression) return { error: `{${match[1]}} ${expression.error}` };
    parts.push({ expression });
    last = match.index + match[0].length;
  }
  if (last < source.length) parts.push({ text: source.slice(last) });
  if (parts.some((p) => "text" in p && /[{}]/.test(p.text))) return { error: "unbalanced { } in the path" };
  return { source, parts };
}
