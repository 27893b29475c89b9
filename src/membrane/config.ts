import { z } from "zod";
import { ConfigError } from "../errors";

/** Unset and empty (`NAME=` in .dev.vars) mean the same thing. */
const optionalText = z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional());

/** The environment variables the Membrane client reads. */
export const MembraneEnvSchema = z.object({
  MEMBRANE_API_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.url().default("https://api.getmembrane.com"),
  ),
  MEMBRANE_WORKSPACE_KEY: optionalText,
  MEMBRANE_WORKSPACE_SECRET: optionalText,
  /** The `id` claim of minted tokens: the Membrane tenant (customer) the bridge acts for. */
  MEMBRANE_TENANT_KEY: optionalText,
  /** A pre-issued token, sent as it is; takes precedence over the key and secret. */
  MEMBRANE_TOKEN: optionalText,
  MEMBRANE_TIMEOUT_MS: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().int().positive().max(120_000).default(15_000),
  ),
});

export const DEFAULT_TENANT_KEY = "hookbridge";

export type MembraneAuth =
  | { kind: "token"; token: string }
  | { kind: "workspace"; workspaceKey: string; workspaceSecret: string; tenantKey: string };

export interface MembraneConfig {
  apiUrl: string;
  timeoutMs: number;
  auth: MembraneAuth;
}

/** Reads and checks the Membrane settings; a ConfigError names what is missing or malformed. */
export function parseMembraneConfig(env: Record<string, unknown>): MembraneConfig {
  const parsed = MembraneEnvSchema.safeParse(env);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))];
    throw new ConfigError(`Membrane settings are invalid: check ${names.join(", ")}.`);
  }
  const vars = parsed.data;
  const apiUrl = vars.MEMBRANE_API_URL.replace(/\/+$/, "");
  const base = { apiUrl, timeoutMs: vars.MEMBRANE_TIMEOUT_MS };
  if (vars.MEMBRANE_TOKEN) return { ...base, auth: { kind: "token", token: vars.MEMBRANE_TOKEN } };

  const { MEMBRANE_WORKSPACE_KEY: workspaceKey, MEMBRANE_WORKSPACE_SECRET: workspaceSecret } = vars;
  if (workspaceKey && workspaceSecret) {
    const tenantKey = vars.MEMBRANE_TENANT_KEY ?? DEFAULT_TENANT_KEY;
    return { ...base, auth: { kind: "workspace", workspaceKey, workspaceSecret, tenantKey } };
  }
  if (workspaceKey || workspaceSecret) {
    const missing = workspaceKey ? "MEMBRANE_WORKSPACE_SECRET" : "MEMBRANE_WORKSPACE_KEY";
    throw new ConfigError(`${missing} is not set: Membrane needs both the workspace key and secret.`);
  }
  throw new ConfigError(
    "Membrane credentials are not set: set MEMBRANE_WORKSPACE_KEY and MEMBRANE_WORKSPACE_SECRET, or MEMBRANE_TOKEN.",
  );
}
