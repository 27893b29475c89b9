// npm start: the bridge on http://127.0.0.1:8787 with local D1, Queues and demo secrets, and the Membrane
// emulator on :8788 unless MEMBRANE_API_URL points elsewhere. It supervises both: when the bridge stops (a bad
// config at start or after a reload), it says why in one block, stops everything and exits 1. Ctrl-C stops both.
// Tools that restart the bridge alone (npm run soak) use startBridge of ./lib/local-stack.ts instead.
import { type ChildProcess, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";
import { z } from "zod";
import {
  BRIDGE_PORT,
  EMULATOR_PORT,
  envFiles,
  migrateLocalDatabase,
  ROOT,
  readDevVars,
  startBridge,
  startEmulator,
  stopGroup,
  usesEmulator,
  waitUntilUp,
} from "./lib/local-stack.ts";
import { WranglerOutput } from "./lib/wrangler-output.ts";

const USAGE = `usage: npm start [-- options]

Runs the bridge and, unless MEMBRANE_API_URL points elsewhere, the local Membrane emulator.

options:
  --port N            the bridge's port (default ${BRIDGE_PORT})
  --emulator-port N   the emulator's port (default ${EMULATOR_PORT})
  --config FILE       the wrangler config (default wrangler.toml)
  --persist-to DIR    keep the local state (D1, queues, emulator) in DIR instead of .wrangler/state
  --verbose           every line wrangler prints, as it prints it
  -h, --help          this text`;

function usage(message: string): never {
  console.error(`start: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        port: { type: "string", default: String(BRIDGE_PORT) },
        "emulator-port": { type: "string", default: String(EMULATOR_PORT) },
        config: { type: "string", default: "wrangler.toml" },
        "persist-to": { type: "string" },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
}

const options = parseCommandLine();
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
const port = z.coerce.number().int().min(1).max(65535).safeParse(options.port);
const emulatorPort = z.coerce.number().int().min(1).max(65535).safeParse(options["emulator-port"]);
if (!port.success || !emulatorPort.success) usage("a port is a number from 1 to 65535");
const configPath = options.config.startsWith("/") ? options.config : `${ROOT}${options.config}`;

/** `npm run check-config` on the same file: the error a person can act on, or null when the config is valid. */
function configProblem(): string | null {
  const check = spawnSync(process.execPath, [`${ROOT}scripts/check-config.ts`, "--config", configPath], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return check.status === 0 ? null : (check.stderr || check.stdout).trim();
}

function stoppedBlock(title: string, error: string): string {
  const rule = "─".repeat(72);
  return [
    rule,
    `hookbridge stopped: ${title}`,
    "",
    error,
    "",
    `Fix ${options.config}, check it with \`npm run check-config -- --config ${options.config}\`, then npm start.`,
    rule,
  ].join("\n");
}

const children: ChildProcess[] = [];
let stopping = false;

/** Stops each wrangler with its workerd (each runs in its own process group), then exits. */
async function stopAll(code: number): Promise<never> {
  stopping = true;
  for (const child of children) stopGroup(child);
  const deadline = Date.now() + 5000;
  while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  for (const child of children) stopGroup(child, "SIGKILL"); // what did not stop in 5 s, and any workerd left
  process.exit(code);
}

function printer(prefix: string, output: WranglerOutput, errorsOnly = false) {
  let pending = "";
  return (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      for (const shown of output.line(line)) {
        if (errorsOnly && !/error|failed/i.test(shown.text)) continue;
        if (shown.to === "stdout") console.log(shown.text);
        else console.error(`${prefix}${shown.text}`);
      }
    }
  };
}

const problem = configProblem();
if (problem !== null) {
  console.error(stoppedBlock(`${options.config} is not valid`, problem));
  process.exit(1);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stopAll(0));

const vars = readDevVars();
const persistTo = options["persist-to"];
migrateLocalDatabase(persistTo);
let emulatorUrl: string | undefined;
if (usesEmulator(vars)) {
  const emulator = await startEmulator({
    port: emulatorPort.data,
    detached: true,
    ...(persistTo && { persistTo: `${persistTo}/emulator` }),
    onOutput: printer("emulator: ", new WranglerOutput(options.verbose), !options.verbose),
  }).catch((error: unknown) => {
    console.error(stoppedBlock("the Membrane emulator did not start", String(error)));
    return stopAll(1);
  });
  children.push(emulator.child);
  emulatorUrl = emulator.url;
  emulator.child.on("exit", (code) => {
    if (stopping) return;
    console.error(stoppedBlock("the Membrane emulator stopped", `wrangler exited with code ${code}`));
    void stopAll(1);
  });
}

const bridgeOutput = new WranglerOutput(options.verbose);
const bridge = startBridge({
  port: port.data,
  detached: true,
  ...(persistTo && { persistTo }),
  args: ["-c", configPath],
  ...(emulatorUrl && emulatorPort.data !== EMULATOR_PORT && { vars: { MEMBRANE_API_URL: emulatorUrl } }),
  onOutput: printer("", bridgeOutput),
});
children.push(bridge.child);
let up = false;
bridge.child.on("exit", (code) => {
  if (stopping) return;
  const error = configProblem() ?? bridgeOutput.startupError ?? `wrangler exited with code ${code}`;
  console.error(stoppedBlock(up ? "the bridge stopped after a reload" : "the bridge did not start", error));
  void stopAll(1);
});
try {
  await waitUntilUp(`${bridge.url}/healthz`, bridge.child);
} catch (error) {
  // An exited bridge is explained by its exit handler; one that runs but never answered is explained here.
  if (bridge.child.exitCode !== null) await new Promise(() => {});
  console.error(stoppedBlock("the bridge did not answer", String(error)));
  await stopAll(1);
}
up = true;

const routes = Object.keys(z.record(z.string(), z.unknown()).catch({}).parse(readRoutes()));
const ownToken =
  envFiles().includes(".dev.vars") && /^ADMIN_TOKEN=./m.test(readFileSync(`${ROOT}.dev.vars`, "utf8"));
const tokenFrom = ownToken ? ".dev.vars" : ".dev.vars.example (the demo token; set your own in .dev.vars)";
console.error(
  [
    "",
    `hookbridge is up at ${bridge.url}`,
    `  webhooks   POST ${bridge.url}/webhooks/{${routes.join(",")}}`,
    `  dashboard  ${bridge.url}/admin  (sign in with the admin token)`,
    `  admin API  ${bridge.url}/admin/api  (Authorization: Bearer <admin token>)`,
    `  token      ADMIN_TOKEN of ${tokenFrom}`,
    ...(emulatorUrl ? [`  emulator   ${emulatorUrl}  (Membrane stand-in; state: GET /_emulator/state)`] : []),
    "",
    "Next: npm run send -- kooomo kooomo/order-paid   and   npm run tail   (in other terminals). Ctrl-C stops all.",
    "Log lines below are the bridge's own, one JSON object each.",
    "",
  ].join("\n"),
);

function readRoutes(): unknown {
  return unstable_readConfig({ config: configPath }, { hideWarnings: true }).vars.ROUTES;
}
