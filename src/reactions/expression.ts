import jsonata from "jsonata";
import { z } from "zod";
import { envelopeKeys } from "../events/cloudevent";
import { type EventType, eventDataSchemas } from "../events/types";

/**
 * The operator's expressions (`when` filters, input and body mappings) are JSONata: a documented query and
 * mapping language for JSON, whose reference implementation (npm `jsonata`) parses to an AST and interprets
 * it, with no `eval` or `new Function`, which Workers forbid (docs: developers.cloudflare.com/workers/runtime-apis/web-standards/#javascript-standards).
 * It reads paths like `data.customer.email` as they are written, filters arrays, and builds objects;
 * CEL only evaluates to values, so an input object would need one expression per field.
 */
export interface Expression {
  source: string;
  /** Evaluates against the event; `bindings` become `$name` variables (e.g. `$raw`). Throws on a type error. */
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
  /** The simple field paths the expression reads from the event (leading name steps, e.g. data.total). */
  paths: readonly string[][];
}

/** Parses an expression, or says why it does not parse (JSONata's code, message and position). */
export function compileExpression(source: string): Expression | { error: string } {
  let compiled: ReturnType<typeof jsonata>;
  try {
    compiled = jsonata(source);
  } catch (error) {
    const e = error as { code?: string; message?: string; position?: number };
    return { error: `does not parse (${e.code ?? "error"} at ${e.position ?? "?"}): ${e.message ?? error}` };
  }
  return {
    source,
    evaluate: (input, bindings) => compiled.evaluate(input, bindings),
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
