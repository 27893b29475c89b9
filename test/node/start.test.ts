// `npm start` as a person runs it: a quiet banner, plain JSON log lines, and when a reload breaks the config,
// the error and the check-config hint in one block, everything stopped, exit 1, no process left behind. The
// config is a copy beside wrangler.toml (its paths resolve from there); ports and state are the test's own.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/lib/free-port.ts";
import { ROOT } from "../../scripts/lib/local-stack.ts";
import { waitUntil } from "../support/wait.ts";
import { type ChildOutput, collectOutput, STACK_TRACE } from "./child-output.ts";

const CONFIG = `.start-test-${process.pid}.toml`;
let scratch = "";
const started: ChildProcess[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "hookbridge-start-"));
  await writeFile(join(ROOT, CONFIG), await readFile(join(ROOT, "wrangler.toml")));
});

afterAll(async () => {
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
  await rm(join(ROOT, CONFIG), { force: true });
  await rm(scratch, { recursive: true, force: true });
});

function start(args: string[]): ChildOutput {
  const child = spawn(process.execPath, [`${ROOT}scripts/start.ts`, "--config", CONFIG, ...args], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  started.push(child);
  return collectOutput(child);
}

/** Process groups of the wrangler dev processes started with this test's state folder (each with its workerd). */
function groupsOf(marker: string): Set<string> {
  const ps = spawnSync("ps", ["-eo", "pgid=,args="], { encoding: "utf8" }).stdout;
  return new Set(
    ps
      .split("\n")
      .filter((line) => line.includes(marker) && /wrangler|workerd/.test(line))
      .map((line) => line.trim().split(/\s+/)[0] ?? ""),
  );
}

/** Live processes of those groups (a zombie, `<defunct>`, has ended and only waits to be reaped). */
function processesIn(groups: Set<string>): string[] {
  const ps = spawnSync("ps", ["-eo", "pgid=,pid=,args="], { encoding: "utf8" }).stdout;
  return ps
    .split("\n")
    .filter((line) => groups.has(line.trim().split(/\s+/)[0] ?? "-") && !line.includes("<defunct>"));
}

describe("npm start", () => {
  it("runs quietly, and stops everything with the config error and the hint when a reload breaks the config", async () => {
    const port = await freePort();
    const state = join(scratch, "state");
    const run = start([
      "--port",
      String(port),
      "--emulator-port",
      String(await freePort()),
      "--persist-to",
      state,
    ]);
    await waitUntil("the banner", () => run.stderr().includes("hookbridge is up"), 90_000);
    expect(run.stderr()).toContain(`dashboard  http://127.0.0.1:${port}/admin`);
    expect(run.stderr()).toMatch(/token +ADMIN_TOKEN of \.dev\.vars/);
    expect(run.stderr()).not.toMatch(/^env\./m); // the bindings table is one line
    expect(run.stderr()).toMatch(/^bindings: .*D1 Database ×1/m);

    // A refused admin call makes the bridge log a warning: a plain JSON line on stdout.
    await fetch(`http://127.0.0.1:${port}/admin/api/stats`);
    await waitUntil("a log line", () => run.stdout().includes("request.rejected"), 15_000);
    for (const line of run
      .stdout()
      .split("\n")
      .filter((l) => l.trim() !== "")) {
      expect(() => JSON.parse(line), line).not.toThrow();
    }
    const groups = groupsOf(state);
    expect(groups.size).toBeGreaterThanOrEqual(2); // the bridge's and the emulator's

    const config = await readFile(join(ROOT, CONFIG), "utf8");
    const broken = config.replace('recipe = "coupontools.add-stamps"', 'recipe = "coupontools.add-stampz"');
    expect(broken).not.toBe(config);
    await writeFile(join(ROOT, CONFIG), broken);
    const code = await Promise.race([
      run.exited,
      new Promise((r) => setTimeout(() => r("still running"), 60_000)),
    ]);
    expect(code).toBe(1);
    expect(run.stderr()).toContain("hookbridge stopped: the bridge stopped after a reload");
    expect(run.stderr()).toContain('unknown recipe "coupontools.add-stampz"');
    expect(run.stderr()).toContain("npm run check-config");
    expect(run.stderr() + run.stdout()).not.toMatch(STACK_TRACE);
    expect(processesIn(groups)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it("refuses to start on a broken config with the same block, before starting anything", async () => {
    const run = start(["--port", String(await freePort()), "--persist-to", join(scratch, "cold")]);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain(`hookbridge stopped: ${CONFIG} is not valid`);
    expect(run.stderr()).toContain('unknown recipe "coupontools.add-stampz"');
    expect(run.stderr()).toContain("npm run check-config");
    expect(run.stderr()).not.toMatch(STACK_TRACE);
  });

  it("answers --help and a bad option without a stack trace", async () => {
    const help = start(["--help"]);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain("usage: npm start");
    const bad = start(["--port", "eighty"]);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain("a port is a number");
    expect(bad.stderr()).not.toMatch(STACK_TRACE);
  });
});
