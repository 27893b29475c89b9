import type { Context } from "hono";
import type { z } from "zod";
import type { EmulatorConfig, EmulatorSettings } from "../config";
import type { EmulatorStore } from "../store";

/** What a vendor route sees: the state and the connection (vendor account) the call came through. */
export interface VendorContext {
  store: EmulatorStore;
  connectionId: string;
  config: EmulatorConfig;
  now: () => number;
  /** The settings in force (the config, overridden by POST /_emulator/settings). */
  settings: () => EmulatorSettings;
}
export type VendorEnv = { Bindings: VendorContext };

export type BodyResult<T> = { ok: true; data: T } | { ok: false; message: string };

/** Parses the JSON body against a schema; the message names the offending fields, never their values. */
export async function readBody<S extends z.ZodType>(
  c: Context<VendorEnv>,
  schema: S,
): Promise<BodyResult<z.output<S>>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    return { ok: false, message: "The request body is not valid JSON." };
  }
  const parsed = schema.safeParse(raw);
  return parsed.success
    ? { ok: true, data: parsed.data }
    : { ok: false, message: describeIssues(parsed.error) };
}

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
}
