import { z } from "zod";
import { NOT_RUNNABLE } from "./actions";
import type { MembraneClient } from "./client";
import type { CallOutcome } from "./outcome";

/**
 * A connection as Membrane describes it (@membranehq/sdk 0.28 connection response): `connected` is the
 * current flag, `disconnected` its deprecated inverse; `isDefunct` and `state` (READY, BUILDING,
 * CLIENT_ACTION_REQUIRED: needs re-authentication, CONFIGURATION_ERROR, SETUP_FAILED) say more.
 */
const ConnectionSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  connected: z.boolean().optional(),
  disconnected: z.boolean().optional(),
  isDefunct: z.boolean().optional(),
  state: z.string().optional(),
  integration: z.looseObject({ key: z.string().optional() }).optional(),
});

export type ConnectionCheck =
  | { ok: true; detail: string }
  | { ok: false; detail: string; outcome?: CallOutcome };

/** Whether the connection exists and can be used now: `GET /connections/{id}` (agent-skills getConnection). */
export async function checkConnection(
  client: MembraneClient,
  connectionId: string,
): Promise<ConnectionCheck> {
  const outcome = await client.read(["connections", connectionId]);
  if (outcome.kind !== "success")
    return {
      ok: false,
      detail: outcome.code === "not_found" ? "no such connection in the workspace" : outcome.reason,
      outcome,
    };
  const c = ConnectionSchema.safeParse(outcome.body).data;
  if (!c) return { ok: false, detail: "Membrane's answer is not a connection" };
  const app = c.integration?.key ? `${c.integration.key}, ` : "";
  if (c.isDefunct) return { ok: false, detail: `${app}defunct: reconnect it in Membrane` };
  if (c.connected === false || c.disconnected === true)
    return { ok: false, detail: `${app}disconnected: reconnect it in Membrane` };
  if (c.state !== undefined && NOT_RUNNABLE.includes(c.state))
    return { ok: false, detail: `${app}state ${c.state}` };
  return { ok: true, detail: `${app}connected${c.state ? ` (${c.state})` : ""}` };
}
