/**
 * npm run check-config [-- --config path/to/wrangler.toml]
 *
 * Runs the bridge's own start-up validation of [vars] (routes, reactions with their expressions, delivery,
 * retention, admin throttle) offline, for CI before a deploy: `wrangler deploy --dry-run` bundles the worker
 * but never runs it, so it cannot catch a bad reaction. Exits 1 with the same ConfigError message the worker
 * would stop with, 0 with a one-line summary. Secrets (.dev.vars, `wrangler secret`) are not read: the worker
 * checks those at start-up where they exist.
 *
 * The config modules are the Worker's own (src/config/), written with extensionless imports for the bundler.
 * They are bundled here with the esbuild that wrangler ships (the same bundler `wrangler deploy` uses) into
 * one ES module and imported, rather than run through workerd: no runtime to start, and a second copy of the
 * rules cannot drift from the one the worker runs.
 */
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";
import { importBundled } from "./lib/bundle-src.ts";
import { ROOT } from "./lib/local-stack.ts";

interface ConfigModule {
  checkVars(vars: Record<string, unknown>): string;
  actionKeyHints(reactions: unknown): string[];
  isConfigError(error: unknown): boolean;
}

// Only the entry's imports are bundled; loadConfig is the function the worker calls at start-up.
const ENTRY = `
import { loadConfig } from "./src/config";
import { loadAdminThrottleSettings } from "./src/config/admin";
import { loadLogLevel } from "./src/config/log-level";
import { ConfigError } from "./src/errors";
export { actionKeyHints } from "./src/config/action-key-hints";
export function checkVars(vars) {
  const config = loadConfig(vars);
  loadAdminThrottleSettings(vars.ADMIN_THROTTLE);
  loadLogLevel(vars.LOG_LEVEL);
  const declarative = config.reactions.filter((r) => r.recipe.key.startsWith("declarative.")).length;
  const filtered = config.reactions.filter((r) => r.when).length;
  return \`\${Object.keys(config.routes).length} routes, \${config.reactions.length} reactions (\${declarative} declarative, \${filtered} filtered)\`;
}
export const isConfigError = (error) => error instanceof ConfigError;
`;

/** wrangler's reading of the file; a TOML or schema error is said as `file:line:column: what`, not thrown. */
function readWranglerConfig(path: string) {
  try {
    return unstable_readConfig({ config: path }, { hideWarnings: true });
  } catch (error) {
    const where = (
      error as { location?: { file?: string; line?: number; column?: number; lineText?: string } }
    ).location;
    const text =
      (error as { text?: string }).text ?? (error instanceof Error ? error.message : String(error));
    const at =
      where?.line === undefined ? path : `${where.file ?? path}:${where.line}:${(where.column ?? 0) + 1}`;
    console.error(`${at}: ${text}${where?.lineText ? `\n  ${where.lineText}` : ""}`);
    process.exit(1);
  }
}

const { values } = parseArgs({ options: { config: { type: "string", default: `${ROOT}wrangler.toml` } } });
const configPath = values.config ?? `${ROOT}wrangler.toml`;
const wrangler = readWranglerConfig(configPath);
const checks = await importBundled<ConfigModule>(ENTRY, "check-config");
try {
  console.log(`${configPath}: valid: ${checks.checkVars(wrangler.vars)}`);
  for (const hint of checks.actionKeyHints(wrangler.vars.REACTIONS)) console.log(`note: ${hint}`);
} catch (error) {
  if (!checks.isConfigError(error)) throw error;
  console.error((error as Error).message);
  process.exit(1);
}
