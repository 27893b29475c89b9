/**
 * npm run types            regenerates types/worker-env.d.ts from wrangler.toml (`wrangler types`)
 * npm run types -- --check exits 1 when that file is not what `wrangler types` would write now (npm run typecheck)
 *
 * The file declares `WranglerEnv` (and `Cloudflare.Env`): the bindings of wrangler.toml, the Durable Object
 * namespaces typed with their classes; src/env.ts builds the bridge's `Env` on it. Runtime types stay those of
 * @cloudflare/workers-types (tsconfig.json), so the file holds the bindings only. Vars are typed loosely
 * (`object`, `string`): their values differ between deployments and in tests, and src/config/ validates them.
 * Secrets are left out (`--env-file /dev/null`: a developer's .dev.vars would otherwise add their names, so the
 * file would differ from one checkout to the next); they reach the bridge as `Env`'s extra string keys.
 *
 * `wrangler types --check` compares only the hash of the inputs written in the file's header, so a hand edit of
 * the file passes it; the check here generates the file afresh and compares the whole text.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { ROOT } from "./lib/local-stack.ts";

const TARGET = "types/worker-env.d.ts";
// Beside nothing that tsc reads, and as deep as TARGET: the file's imports of src/index are relative.
const FRESH = ".wrangler/worker-env.d.ts";

function generate(path: string): void {
  mkdirSync(`${ROOT}${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
  try {
    execFileSync(
      process.execPath,
      [
        `${ROOT}node_modules/wrangler/bin/wrangler.js`,
        "types",
        path,
        "--include-runtime=false",
        "--strict-vars=false",
        "--env-interface=WranglerEnv",
        "--env-file=/dev/null",
      ],
      {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
  } catch (error) {
    // wrangler's own report (stdout) says what failed; the rest is the child process's.
    process.stderr.write(String((error as { stdout?: Buffer }).stdout ?? error));
    process.exit(1);
  }
}

const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });
if (!values.check) {
  generate(TARGET);
  console.log(`${TARGET} written`);
} else {
  generate(FRESH);
  // The header names the file written; everything else must be identical.
  const fresh = readFileSync(`${ROOT}${FRESH}`, "utf8").replace(FRESH, TARGET);
  rmSync(`${ROOT}${FRESH}`);
  let current = "";
  try {
    current = readFileSync(`${ROOT}${TARGET}`, "utf8");
  } catch {}
  if (current !== fresh) {
    console.error(
      `${TARGET} is not what \`wrangler types\` writes for wrangler.toml now: run \`npm run types\``,
    );
    process.exit(1);
  }
}
