import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";

/** Tests use the same demo secrets as `npm start`: the shipped .dev.vars.example, never a developer's .dev.vars. */
function demoSecrets(): Record<string, string> {
  const lines = readFileSync(new URL("./.dev.vars.example", import.meta.url), "utf8").split("\n");
  return Object.fromEntries(
    lines
      .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1).trim()]),
  );
}

const root = fileURLToPath(new URL(".", import.meta.url));
const EMULATOR_CONFIG = `${root}emulator/wrangler.toml`;
const EMULATOR_BUILD_DIR = `${root}.wrangler/emulator-build`;

/**
 * The Membrane emulator as an auxiliary worker. Auxiliary workers run built JavaScript, so the emulator is
 * bundled first (by wrangler, as `wrangler deploy` would); its vars and SQLite Durable Object come from
 * emulator/wrangler.toml, read the way the vitest plugin reads ours.
 */
function membraneEmulator() {
  execFileSync(
    process.execPath,
    [
      `${root}node_modules/wrangler/bin/wrangler.js`,
      "deploy",
      "--dry-run",
      "--outdir",
      EMULATOR_BUILD_DIR,
      "--config",
      EMULATOR_CONFIG,
    ],
    { env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, stdio: ["ignore", "ignore", "inherit"] },
  );
  // Module rules describe unbundled sources; the bundle is one ES module.
  const { modulesRules, ...options } = unstable_getMiniflareWorkerOptions(EMULATOR_CONFIG).workerOptions;
  return {
    ...options,
    name: "membrane-emulator",
    rootPath: EMULATOR_BUILD_DIR,
    modules: true,
    scriptPath: `${EMULATOR_BUILD_DIR}/index.js`,
  };
}

/**
 * Test-only consumer of the real dead-letters queue: keeps what the bridge dead-lettered for tests to read
 * (test/support/dead-letters.ts). In production nothing consumes that queue; operators read it.
 */
const deadLetterRecorder = {
  name: "dead-letter-recorder",
  modules: true,
  scriptPath: `${root}test/support/dead-letter-recorder.js`,
  queueConsumers: { "hookbridge-dead-letters": { maxBatchSize: 100, maxBatchTimeout: 1 } },
};

/**
 * wrangler.toml's reactions without its alert reaction: with it, every test that lets a delivery die would also
 * get an alert event, a chat delivery and a chat request, racing its counts. The alert reaction is tested with
 * the shipped table (SHIPPED_REACTIONS) in test/delivery/declarative-end-to-end.test.ts.
 */
function reactionsForTests() {
  // TOML tables are JSON values, which is what a binding takes.
  const shipped = unstable_readConfig({ config: "./wrangler.toml" }, { hideWarnings: true }).vars
    .REACTIONS as Record<string, Record<string, string>>;
  const { "alerts-to-chat": _alerts, ...reactions } = shipped;
  return { shipped, reactions };
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  const { shipped, reactions } = reactionsForTests();
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            ...demoSecrets(),
            TEST_MIGRATIONS: migrations,
            REACTIONS: reactions,
            SHIPPED_REACTIONS: shipped,
            // Retries in seconds rather than minutes, so tests watch real queue retries happen.
            // The breaker opens once 5 calls in 5 s failed at least 60 % (a window short enough that one test's
            // calls do not dilute the next one's failures) and probes again after 2 s.
            DELIVERY: {
              retry_schedule_seconds: [1, 1, 1],
              jitter: 0,
              lease_ms: 20_000,
              breaker_min_calls: 5,
              breaker_window_seconds: 5,
              // An incident ends (its closing alert) once its breaker stayed closed 2 s.
              incident_quiet_seconds: 2,
              breaker_cooldown_seconds: 2,
              // An ambiguous stamps call is reconciled after 2 s (a timed-out test call lands within 2.5 s).
              ambiguous_settle_seconds: 2,
              // The least a lane alarm may spend: lanes hand over to a new alarm every few deliveries, so every
              // lane test also runs across those handovers.
              pump_subrequests: 100,
              // And its D1 queries: 30 are reserved per delivery, so a stamps alarm hands over after three.
              pump_d1_queries: 100,
            },
            MEMBRANE_TIMEOUT_MS: "1500",
            // Card sizes test/bench/card-reads.test.ts compares; `npm run bench` sets 1,000 and 100,000.
            BENCH_CARD_SIZES: process.env.BENCH_CARD_SIZES ?? "1000,10000",
          },
          // Test-only: the bridge's Membrane client reaches the emulator through this binding.
          serviceBindings: { MEMBRANE: "membrane-emulator", DEAD_LETTER_RECORDER: "dead-letter-recorder" },
          workers: [membraneEmulator(), deadLetterRecorder],
        },
      }),
    ],
    test: {
      // test/browser runs in Node with a real browser: vitest.browser.config.ts (npm run test:browser);
      // test/node runs the command-line scripts in Node: vitest.node.config.ts; *.unit.test.ts, tests of pure
      // modules, run in Node: vitest.unit.config.ts (npm run test:unit).
      exclude: [...configDefaults.exclude, "test/browser/**", "test/node/**", "**/*.unit.test.ts"],
      setupFiles: ["./test/setup/apply-migrations.ts"],
      // End-to-end tests wait for real queue deliveries and retries (seconds each); unit tests finish in ms.
      testTimeout: 30_000,
      // The bridge logs a JSON line per decision; show them only for tests that fail.
      silent: "passed-only" as const,
    },
  };
});
