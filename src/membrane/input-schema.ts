import { type Schema, Validator } from "@cfworker/json-schema";

/**
 * Holds an action's input to the action's `inputSchema` before it is sent. Membrane validates input against
 * that schema but silently drops properties it lacks (docs.getmembrane.com docs/actions), so a misnamed field
 * would go unnoticed: here a field the schema lacks is a problem too. @cfworker/json-schema validates without
 * `eval` or `new Function`, which Workers forbid (Ajv compiles code).
 */
export interface InputProblem {
  /** Dotted path of the field (`amount`, `customer.email`); "" for the input itself. */
  field: string;
  problem: "missing" | "unknown" | "invalid";
  detail: string;
}

type SchemaObject = Record<string, unknown>;
const isObject = (v: unknown): v is SchemaObject => typeof v === "object" && v !== null && !Array.isArray(v);
const COMBINATORS = ["anyOf", "oneOf", "allOf"];

/**
 * Membrane's DataSchema ("based on JSONSchema with additional features", docs data-schemas) made fit for a
 * standard validator: a `$ref` names one of the app's data schemas, not a JSON pointer, and cannot be
 * resolved here (left open); `allowCustom: true` lets values outside `enum` through (SDK DataSchema), so that
 * `enum` is dropped. An object schema that lists its properties and says nothing of others takes no other:
 * Membrane would drop them (additionalProperties, or unevaluatedProperties where combinators add properties;
 * a combinator's branches are left open, each would refuse the others' properties). Its own keywords
 * (referenceRecords, isSensitive...) are unknown to the validator, which ignores them.
 */
export function standardSchema(schema: unknown, branch = false): unknown {
  if (!isObject(schema)) return schema;
  if (typeof schema.$ref === "string") return {};
  const out: SchemaObject = { ...schema };
  if (out.allowCustom === true) delete out.enum;
  if (isObject(out.properties))
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([name, sub]) => [name, standardSchema(sub)]),
    );
  if (out.items !== undefined)
    out.items = Array.isArray(out.items)
      ? out.items.map((i) => standardSchema(i))
      : standardSchema(out.items);
  if (isObject(out.additionalProperties)) out.additionalProperties = standardSchema(out.additionalProperties);
  const combined = COMBINATORS.filter((k) => Array.isArray(out[k]));
  for (const key of combined) out[key] = (out[key] as unknown[]).map((sub) => standardSchema(sub, true));
  const open = out.additionalProperties !== undefined || out.unevaluatedProperties !== undefined;
  if (branch || open) return out;
  if (combined.length > 0) out.unevaluatedProperties = false;
  else if (isObject(out.properties)) out.additionalProperties = false;
  return out;
}

interface Compiled {
  validator: Validator;
  /** The schema as checked (standardSchema), to tell a closed object from one with a schema for the rest. */
  standard: unknown;
}

/** Compiled once per schema object: a definition is cached, and its schema checked for every call. */
const validators = new WeakMap<object, Compiled>();

function compiled(schema: unknown): Compiled {
  const key = isObject(schema) ? schema : undefined;
  const cached = key && validators.get(key);
  if (cached) return cached;
  const standard = standardSchema(schema);
  // Draft 2020-12 reads every older form Membrane's schemas use; every error is wanted, not the first.
  const made = { validator: new Validator(standard as Schema, "2020-12", false), standard };
  if (key) validators.set(key, made);
  return made;
}

/** The value at a JSON pointer (`#/properties/a/additionalProperties`) of a schema. */
function at(schema: unknown, pointer: string): unknown {
  return fieldOf(pointer)
    .split(".")
    .filter((step) => step !== "")
    .reduce<unknown>((node, step) => (isObject(node) ? node[step] : undefined), schema);
}

/** `#/customer/email` -> `customer.email`. */
const fieldOf = (location: string) =>
  location
    .replace(/^#\/?/, "")
    .split("/")
    .filter((part) => part !== "")
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .join(".");
const join = (base: string, name: string) => (base === "" ? name : `${base}.${name}`);
const quoted = (text: string) => /"([^"]+)"/.exec(text)?.[1];

/** Keywords whose error only sums up a nested one, reported on its own. */
const SUMMARIES = new Set([
  "properties",
  "items",
  "prefixItems",
  "allOf",
  "$ref",
  "false",
  "additionalProperties",
  "unevaluatedProperties",
]);

/**
 * Whether the error is a property an object takes none of (its additional or unevaluated properties `false`),
 * not one a schema for the rest refused (that schema's own error names why).
 */
const closedTo = (error: { keyword: string; keywordLocation: string }, standard: unknown) =>
  (error.keyword === "additionalProperties" || error.keyword === "unevaluatedProperties") &&
  at(standard, error.keywordLocation) === false;

/** The problems of `input` against the schema, each naming its field; empty when it fits. */
export function checkInput(schema: unknown, input: unknown): InputProblem[] {
  let result: ReturnType<Validator["validate"]>;
  let standard: unknown;
  try {
    const made = compiled(schema);
    standard = made.standard;
    result = made.validator.validate(input ?? {});
  } catch (error) {
    return [{ field: "", problem: "invalid", detail: `the input schema cannot be used: ${String(error)}` }];
  }
  if (result.valid) return [];
  const problems: InputProblem[] = [];
  for (const error of result.errors) {
    const at = fieldOf(error.instanceLocation);
    const name = quoted(error.error);
    if (error.keyword === "required" && name)
      problems.push({ field: join(at, name), problem: "missing", detail: "required, not given" });
    else if (closedTo(error, standard) && name)
      problems.push({
        field: join(at, name),
        problem: "unknown",
        detail: "not in the action's input schema",
      });
    else if (!SUMMARIES.has(error.keyword))
      problems.push({ field: at, problem: "invalid", detail: error.error });
  }
  // One problem per field and kind: a validator may report one several times (under several keywords).
  return [...new Map(problems.map((p) => [`${p.problem}:${p.field}`, p])).values()];
}
