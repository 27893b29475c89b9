/**
 * npm run preflight [-- --config path/to/wrangler.toml]
 *
 * Checks the configuration against the Membrane workspace before going live (src/preflight/preflight.ts, the
 * same code GET /admin/api/preflight runs): each connection a route or reaction uses exists and is connected;
 * each action resolves on its connection and the input built from a sample event fits its input schema; each
 * proxy recipe's harmless read answers. One table; exits 1 on any failure.
 *
 * Membrane's address and credentials come from the environment, else .dev.vars (else .dev.vars.example): the
 * local emulator by default, which `npm start` runs.
 */
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";
import { importBundled } from "./lib/bundle-src.ts";
import { ROOT, readDevVars } from "./lib/local-stack.ts";

interface Check {
  subject: string;
  check: string;
  result: "ok" | "fail" | "skip" | "note";
  detail: string;
}
interface PreflightModule {
  preflight(
    vars: Record<string, unknown>,
    env: Record<string, unknown>,
  ): Promise<{ ok: boolean; checks: Check[] }>;
  isConfigError(error: unknown): boolean;
}

const ENTRY = `
import { loadConfig } from "./src/config";
import { ConfigError } from "./src/errors";
import { membraneClientFromEnv } from "./src/membrane/client";
import { runPreflight } from "./src/preflight/preflight";
export const preflight = (vars, env) => runPreflight(loadConfig(vars), membraneClientFromEnv(env));
export const isConfigError = (error) => error instanceof ConfigError;
`;

const USAGE = `npm run preflight [-- --config path/to/wrangler.toml]

Checks wrangler.toml's routes and reactions against the Membrane workspace: connections, actions and their
inputs, proxy probes. Membrane's URL and credentials (MEMBRANE_API_URL, MEMBRANE_WORKSPACE_KEY and _SECRET, or
MEMBRANE_TOKEN) come from the environment, else .dev.vars. Exits 1 on any failure.`;

const { values } = parseArgs({
  options: { config: { type: "string", default: `${ROOT}wrangler.toml` }, help: { type: "boolean" } },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const configPath = values.config ?? `${ROOT}wrangler.toml`;
const { vars } = unstable_readConfig({ config: configPath }, { hideWarnings: true });
const membraneVars = Object.fromEntries(
  Object.entries({ ...readDevVars(), ...process.env }).filter(([name]) => name.startsWith("MEMBRANE_")),
);
const bundle = await importBundled<PreflightModule>(ENTRY, "preflight");
let report: Awaited<ReturnType<PreflightModule["preflight"]>>;
try {
  report = await bundle.preflight(vars, { ...vars, ...membraneVars });
} catch (error) {
  if (!bundle.isConfigError(error)) throw error;
  console.error((error as Error).message);
  process.exit(1);
}

const rows = report.checks.map((c) => [
  c.result === "fail" ? "FAIL" : c.result,
  c.subject,
  c.check,
  c.detail,
]);
const header = ["result", "subject", "check", "detail"];
const widths = [0, 1, 2].map((i) => Math.max(header[i]?.length ?? 0, ...rows.map((r) => r[i]?.length ?? 0)));
const line = (cells: readonly string[]) =>
  cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell)).join("  ");
console.log(`Membrane: ${membraneVars.MEMBRANE_API_URL ?? "https://api.getmembrane.com"}`);
console.log(line(header));
for (const row of rows) console.log(line(row));
const failed = report.checks.filter((c) => c.result === "fail").length;
console.log(
  failed === 0
    ? `preflight passed: ${rows.length} checks`
    : `preflight FAILED: ${failed} of ${rows.length} checks`,
);
process.exit(report.ok ? 0 : 1);
