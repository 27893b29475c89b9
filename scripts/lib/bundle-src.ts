// Bundles a few of the Worker's own modules (src/, written with extensionless imports for the bundler) with the
// esbuild that wrangler ships (the bundler `wrangler deploy` uses) into one ES module, and imports it: the
// command-line checks run the worker's own code, never a second copy of its rules. Used by check-config and
// preflight.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./local-stack.ts";

/** `entry`: JavaScript importing from ./src/...; its exports are the module's. */
export async function importBundled<T>(entry: string, name: string): Promise<T> {
  // wrangler's own esbuild, found from wrangler's install (not whatever a hoisted node_modules/esbuild is).
  const esbuild = createRequire(createRequire(import.meta.url).resolve("wrangler/package.json"))(
    "esbuild",
  ) as typeof import("esbuild");
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: `${name}-entry.js`, loader: "js" },
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    write: false,
    logLevel: "silent",
  });
  const dir = mkdtempSync(join(tmpdir(), `hookbridge-${name}-`));
  try {
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, result.outputFiles[0]?.text ?? "");
    return (await import(pathToFileURL(file).href)) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
