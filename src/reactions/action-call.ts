import { z } from "zod";
import type { ActionRef } from "../membrane/client";
import { type CallOutcome, notSent } from "../membrane/outcome";
import { compileExpression } from "./expression";
import type { ActionCall, ActionStep, RecipeContext } from "./types";

/** Membrane keys are short slugs; an id is opaque. Both are sent in a JSON body or one path segment. */
export const ACTION_KEY = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "an action key (letters, digits, . _ : -)");
/** An id goes in a path segment (GET /actions/{id}): a leading letter or digit, so never a dot segment. */
export const ACTION_ID = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, "an action id (letters, digits, . _ : -)");
const KEY = ACTION_KEY;
const FIELD = z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/, "a field name");

/**
 * An action step option: a key (`"add-stamps-to-loyalty-card"`), or a table
 * `{ key | id, rename = { from = "to" } | map = '<JSONata over the built input>' }`. Any key is accepted: the
 * workspace says at run time whether it has it.
 */
export const actionStep = (fallbackKey: string) =>
  z
    .union([
      KEY,
      z
        .strictObject({
          key: KEY.optional(),
          id: ACTION_ID.optional(),
          rename: z.record(FIELD, FIELD).optional(),
          map: z.string().min(1).optional(),
        })
        .refine((s) => !(s.key && s.id), "give key or id, not both")
        .refine((s) => !(s.rename && s.map), "give rename or map, not both"),
    ])
    .transform((value, ctx): ActionStep => {
      if (typeof value === "string") return { ref: { key: value } };
      const ref: ActionRef = value.id ? { id: value.id } : { key: value.key ?? fallbackKey };
      if (value.map === undefined) return { ref, ...(value.rename && { rename: value.rename }) };
      const map = compileExpression(value.map);
      if ("error" in map) {
        ctx.addIssue({ code: "custom", path: ["map"], message: map.error });
        return z.NEVER;
      }
      return { ref, map };
    })
    .prefault(fallbackKey);

/** `key` or `id:<id>`, for messages and shared-read keys. */
export const refText = (ref: ActionRef) => ("id" in ref ? `id:${ref.id}` : ref.key);

/** The call's input fitted by its step's rename or map; throws a JSONata error from a map. */
export async function stepInput(call: Pick<ActionCall, "step" | "input">): Promise<unknown> {
  const { step, input } = call;
  if (step.map) return JSON.parse(JSON.stringify((await step.map.evaluate(input)) ?? null));
  if (!step.rename || typeof input !== "object" || input === null) return input;
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const [from, to] of Object.entries(step.rename)) {
    if (!Object.hasOwn(out, from)) continue;
    out[to] = out[from];
    delete out[from];
  }
  return out;
}

/**
 * Runs one Membrane action on the reaction's connection: through the engine's runner, which reads the
 * action's definition and holds the input to its schema first (ctx.actions), or, outside the engine, as is.
 */
export async function runAction(ctx: RecipeContext, call: ActionCall): Promise<CallOutcome> {
  let input: unknown;
  try {
    input = await stepInput(call);
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown };
    return notSent(
      "action_input_invalid",
      `${call.setting}.map failed (${String(e.code)}): ${String(e.message)}`,
    );
  }
  if (ctx.actions) return ctx.actions.run({ ...call, input });
  return ctx.membrane.act({
    ...call.step.ref,
    connectionId: ctx.connectionId,
    input,
    ...(call.acceptBody && { acceptBody: call.acceptBody }),
    ...(call.readLimitBytes !== undefined && { readLimitBytes: call.readLimitBytes }),
  });
}
