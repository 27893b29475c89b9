import { z } from "zod";
import type { ActionRef, MembraneClient } from "./client";
import type { CallOutcome } from "./outcome";

/**
 * An action as Membrane describes it (@membranehq/sdk 0.28 action response; the agent tooling of
 * membranehq/agent-skills reads `id` and `inputSchema` from it). Only what the bridge uses is read; the rest
 * (outputSchema, config, meta...) passes.
 */
export const ActionDefinitionSchema = z.looseObject({
  id: z.string().min(1),
  key: z.string().optional(),
  name: z.string().optional(),
  /** Membrane's DataSchema: JSON Schema with keywords of its own (src/membrane/input-schema.ts). */
  inputSchema: z.unknown().optional(),
  /** BUILDING, READY, CONFIGURATION_ERROR, SETUP_FAILED... (SDK WorkspaceElementState). */
  state: z.string().optional(),
  isDeactivated: z.boolean().optional(),
});
export type ActionDefinition = z.infer<typeof ActionDefinitionSchema>;

/**
 * What reading an action's definition came to: found; not readable (Membrane answered, but has no such action
 * for the connection, or refuses the read); or the read failed in a way a later try can pass.
 */
export type ActionLookup =
  | { kind: "found"; definition: ActionDefinition }
  | { kind: "unreadable"; outcome: Extract<CallOutcome, { kind: "permanent" }> }
  | { kind: "failed"; outcome: Extract<CallOutcome, { kind: "transient" }> };

/**
 * Reads the action a run would use on this connection: by id `GET /actions/{id}` (docs: the selector is an id
 * or a unique key; agent-skills getAction), by key `GET /connections/{id}/actions/{key}` (the SDK's
 * ConnectionLevelActionAccessor), which resolves the key as a run on that connection does: its own copy of
 * the action if it has one, else the integration's or the workspace's.
 */
export async function readAction(
  client: MembraneClient,
  connectionId: string,
  ref: ActionRef,
): Promise<ActionLookup> {
  const outcome = await client.read(
    "id" in ref ? ["actions", ref.id] : ["connections", connectionId, "actions", ref.key],
  );
  if (outcome.kind === "transient") return { kind: "failed", outcome };
  if (outcome.kind === "permanent") return { kind: "unreadable", outcome };
  const definition = ActionDefinitionSchema.safeParse(outcome.body);
  if (!definition.success) {
    const { request, response, durationMs } = outcome;
    const reason = "Membrane's answer is not an action definition (no id)";
    return {
      kind: "unreadable",
      outcome: {
        kind: "permanent",
        code: "unexpected_status",
        reason,
        request,
        durationMs,
        ...(response && { response }),
      },
    };
  }
  return { kind: "found", definition: definition.data };
}

/** The states in which an action or a connection cannot run (SDK WorkspaceElementState). */
export const NOT_RUNNABLE = [
  "CLIENT_ACTION_REQUIRED",
  "CONFIGURATION_ERROR",
  "SETUP_FAILED",
  "DISCONNECTING",
];
