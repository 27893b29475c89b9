import { z } from "zod";
import type { Action } from "./actions";
import type { ActionInputRenames, Integration } from "./config";

/**
 * What the emulator answers for an action's definition (GET /actions/{id}, GET /connections/{id}/actions/{key}):
 * the shape Membrane's SDK reads (`id`, `key`, `name`, `integrationKey`, `inputSchema`, `state`). The real input
 * schemas are visible only inside a workspace, so these are the project's own design, the bridge's documented
 * defaults: JSON Schema of each action's input (actions.ts). A test stands in for a workspace whose schema
 * names a field otherwise with `actionInputRenames` (POST /_emulator/settings): the schema and the run both
 * take the new name, and the old one is dropped as Membrane drops unknown properties.
 */

export const actionId = (integration: Integration, key: string) => `act_${integration}_${key}`;

type JsonSchema = { properties?: Record<string, unknown>; required?: string[]; [k: string]: unknown };

function renamedSchema(schema: JsonSchema, renames: Record<string, string>): JsonSchema {
  const { $schema: _draft, ...rest } = schema;
  const name = (field: string) => renames[field] ?? field;
  return {
    ...rest,
    ...(rest.properties && {
      properties: Object.fromEntries(Object.entries(rest.properties).map(([k, v]) => [name(k), v])),
    }),
    ...(rest.required && { required: rest.required.map(name) }),
  };
}

export function definitionOf(key: string, action: Action, renames: ActionInputRenames) {
  const schema = z.toJSONSchema(action.input, { io: "input" }) as JsonSchema;
  return {
    id: actionId(action.integration, key),
    key,
    name: key,
    integrationKey: action.integration,
    state: "READY",
    inputSchema: renamedSchema(schema, renames[key] ?? {}),
  };
}

/** A refusal of the input, its fields named as this workspace names them. */
export function workspaceNames(error: z.ZodError, renames: Record<string, string> | undefined): z.ZodError {
  if (!renames) return error;
  return new z.ZodError(
    error.issues.map((issue) => {
      const [head, ...rest] = issue.path;
      return typeof head === "string" && renames[head] ? { ...issue, path: [renames[head], ...rest] } : issue;
    }),
  );
}

/**
 * The input as the action's own design names it: each renamed field is read under its workspace name, and a
 * field sent under the design's name is dropped (docs docs/actions: extra properties are silently ignored).
 */
export function designInput(raw: unknown, renames: Record<string, string> | undefined): unknown {
  if (!renames || typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const input: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const [design, workspace] of Object.entries(renames)) {
    const value = input[workspace];
    delete input[design];
    delete input[workspace];
    if (value !== undefined) input[design] = value;
  }
  return input;
}
