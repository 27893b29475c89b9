// Starts the bridge (and, by default, the Membrane emulator) with wrangler dev, fully offline.
// Shared by `npm start` (scripts/start.ts) and `npm run demo` (scripts/demo.ts).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WRANGLER = `${ROOT}node_modules/wrangler/bin/wrangler.js`;
export const BRIDGE_PORT = 8787;
export const EMULATOR_PORT = 8788;

/** The demo values, overridden by a developer's own .dev.vars when there is one. */
export function envFiles(): string[] {
  return [".dev.vars.example", ".dev.vars"].filter((file) => existsSync(`${ROOT}${file}`));
}

export function readDevVars(): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const file of envFiles()) {
    for (const line of readFileSync(`${ROOT}${file}`, "utf8").split("\n")) {
      const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (match?.[1]) vars[match[1]] = match[2] ?? "";
    }
  }
  return vars;
}

/** The emulator runs only while the bridge is pointed at it; a real MEMBRANE_API_URL switches it off. */
export function usesEmulator(vars: Record<string, string>): boolean {
  const url = process.env.MEMBRANE_API_URL ?? vars.MEMBRANE_API_URL ?? "";
  return new RegExp(`^https?://(127\\.0\\.0\\.1|localhost):${EMULATOR_PORT}/?$`).test(url);
}

/** Read when a process starts, so that a script may set variables for the processes it starts. */
const wranglerEnv = () => ({ ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" });

export function wrangler(
  args: string[],
  options: {
    quiet?: boolean;
    env?: Record<string, string>;
    onOutput?: (text: string) => void;
    /** Its own process group, so that it can be killed with its workerd at once (`npm run soak`). */
    detached?: boolean;
  } = {},
): ChildProcess {
  const { onOutput } = options;
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    detached: options.detached ?? false,
    env: { ...wranglerEnv(), ...options.env },
    stdio: onOutput
      ? ["ignore", "pipe", "pipe"]
      : options.quiet
        ? ["ignore", "ignore", "inherit"]
        : ["ignore", "inherit", "inherit"],
  });
  if (options.detached) adopt(child);
  if (onOutput) {
    child.stdout?.setEncoding("utf8").on("data", onOutput);
    child.stderr?.setEncoding("utf8").on("data", onOutput);
  }
  return child;
}

/**
 * Stops a wrangler started `detached` with everything it started (workerd, esbuild): the whole process group
 * gets the signal, even once wrangler itself has ended (a workerd may outlive it). Any other child gets it
 * alone, while it runs.
 */
export function stopGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): void {
  if (child.pid === undefined) return;
  try {
    if (detachedChildren.has(child)) process.kill(-child.pid, signal);
    else if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  } catch {
    // the group is gone: nothing left behind
  }
}

const detachedChildren = new Set<ChildProcess>();

/**
 * A detached wrangler runs in its own process group with its workerd and esbuild, so a terminal's Ctrl-C does
 * not reach it: when this process ends, by exit or by signal, its groups are stopped too, unless the script
 * handles the signal itself (npm start). Killing wrangler alone left esbuild to find its pipe closed, which it
 * sometimes answers with an "all goroutines are asleep - deadlock!" dump (esbuild issue #2485).
 */
function adopt(child: ChildProcess): void {
  if (!adopting) {
    adopting = true;
    process.once("exit", () => {
      for (const group of detachedChildren) stopGroup(group);
    });
    for (const [signal, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
      ["SIGHUP", 129],
    ] as const) {
      if (process.listenerCount(signal) === 0) process.once(signal, () => process.exit(code));
    }
  }
  detachedChildren.add(child);
}
let adopting = false;

/** Applies the D1 migrations to the local database (idempotent). */
export function migrateLocalDatabase(persistTo?: string): void {
  const args = [WRANGLER, "d1", "migrations", "apply", "DB", "--local"];
  if (persistTo) args.push("--persist-to", persistTo);
  const result = spawnSync(process.execPath, args, {
    cwd: ROOT,
    env: { ...wranglerEnv(), CI: "true" }, // no confirmation prompt
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (result.status !== 0) throw new Error("applying the local D1 migrations failed");
}

export interface LocalStack {
  bridgeUrl: string;
  emulatorUrl: string | undefined;
  /** The wrangler processes (each runs its own workerd), for CPU accounting. */
  pids: { bridge: number | undefined; emulator: number | undefined };
  stop(): void;
}

export async function waitUntilUp(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/**
 * Starts the Membrane emulator with wrangler dev on `port` (its inspector on any free port when the port is
 * not the default, so it can run beside a stack) and waits until it answers.
 */
export async function startEmulator(
  options: {
    port?: number;
    persistTo?: string;
    quiet?: boolean;
    onOutput?: (text: string) => void;
    detached?: boolean;
  } = {},
): Promise<{ url: string; child: ChildProcess }> {
  const port = options.port ?? EMULATOR_PORT;
  const child = wrangler(
    [
      "dev",
      "-c",
      "emulator/wrangler.toml",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--show-interactive-dev-session=false",
      ...(port === EMULATOR_PORT ? [] : ["--inspector-port", "0"]),
      ...(options.persistTo ? ["--persist-to", options.persistTo] : []),
    ],
    // Without wrangler's local trace collection: nobody reads the stand-in's traces, and collecting
    // them (a span per storage call) cost about a third of its CPU under load, CPU the bridge shares.
    {
      ...(options.quiet !== undefined && { quiet: options.quiet }),
      ...(options.onOutput && { onOutput: options.onOutput }),
      ...(options.detached !== undefined && { detached: options.detached }),
      env: { X_LOCAL_OBSERVABILITY: "false" },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(`${url}/_emulator/state`, child);
  } catch (error) {
    if (child.exitCode === null) child.kill("SIGTERM");
    throw error;
  }
  return { url, child };
}

/**
 * Migrates the local database, starts the emulator (when used) and the bridge, and waits until both answer.
 * `persistTo` keeps all local state in that folder instead of .wrangler/state (the demo starts from nothing);
 * `vars` override the bridge's [vars] of the same name (plain strings). Tests that run beside other stacks
 * pass `port` (the bridge's; its inspector then takes any free port), `emulator: false` when what they send
 * never reaches Membrane, and `onOutput` to read the bridge's log (its stdout and stderr).
 */
export async function startLocalStack(
  options: {
    quiet?: boolean;
    persistTo?: string;
    vars?: Record<string, string>;
    port?: number;
    /** The emulator's port (default 8788); the bridge is pointed at it. */
    emulatorPort?: number;
    emulator?: boolean;
    onOutput?: (text: string) => void;
  } = {},
): Promise<LocalStack> {
  const vars = readDevVars();
  migrateLocalDatabase(options.persistTo);
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const child of children) stopGroup(child);
  };
  try {
    let emulatorUrl: string | undefined;
    let emulatorPid: number | undefined;
    if (options.emulator !== false && usesEmulator(vars)) {
      const emulator = await startEmulator({
        detached: true,
        ...(options.emulatorPort !== undefined && { port: options.emulatorPort }),
        ...(options.quiet !== undefined && { quiet: options.quiet }),
        ...(options.persistTo && { persistTo: `${options.persistTo}/emulator` }),
      });
      children.push(emulator.child);
      emulatorUrl = emulator.url;
      emulatorPid = emulator.child.pid;
    }
    const pointed =
      emulatorUrl && options.emulatorPort !== undefined ? { MEMBRANE_API_URL: emulatorUrl } : undefined;
    const bridge = startBridge({ ...options, vars: { ...options.vars, ...pointed }, detached: true });
    children.push(bridge.child);
    await waitUntilUp(`${bridge.url}/healthz`, bridge.child);
    const bridgeUrl = bridge.url;
    return { bridgeUrl, emulatorUrl, pids: { bridge: bridge.child.pid, emulator: emulatorPid }, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/**
 * Starts the bridge with wrangler dev (not waiting for it): on `port` (its inspector then on any free port),
 * with its state in `persistTo`, `vars` overriding its [vars] of the same name.
 */
export function startBridge(
  options: {
    quiet?: boolean;
    persistTo?: string;
    vars?: Record<string, string>;
    port?: number;
    onOutput?: (text: string) => void;
    detached?: boolean;
    /** Extra arguments to wrangler dev (e.g. --test-scheduled). */
    args?: string[];
  } = {},
): { url: string; child: ChildProcess } {
  const port = options.port ?? BRIDGE_PORT;
  const args = [
    "dev",
    "--local",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--show-interactive-dev-session=false",
  ];
  // Two stacks starting at once would both pick the default 9229 while it is still free.
  if (options.port !== undefined) args.push("--inspector-port", "0");
  for (const file of envFiles()) args.push("--env-file", file);
  if (options.persistTo) args.push("--persist-to", options.persistTo);
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);
  args.push(...(options.args ?? []));
  return { url: `http://127.0.0.1:${port}`, child: wrangler(args, options) };
}
