// The README's tutorial, run as written: its commands are read from README.md and run in order with bash, in a
// copy of the project (fresh local state; its wrangler.toml is the one the tutorial edits), on the ports the
// tutorial names. Each command's outcome is checked, and no output may hold a stack trace. Waits are bounded.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listening } from "../../scripts/lib/free-port.ts";
import { BRIDGE_PORT, EMULATOR_PORT, ROOT } from "../../scripts/lib/local-stack.ts";
import { waitUntil } from "../support/wait.ts";
import { type ChildOutput, collectOutput, STACK_TRACE } from "./child-output.ts";

interface Block {
  lang: "sh" | "toml";
  lines: string[];
}

/** The tutorial's code blocks, a shell block's continued lines joined into one command. */
function tutorialBlocks(): Block[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Tutorial");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  return [...section.matchAll(/```(sh|toml)\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1] as "sh" | "toml",
    lines: (m[2] ?? "")
      .replace(/\\\n\s*/g, "")
      .split("\n")
      .filter((line) => line.trim() !== ""),
  }));
}

let copy = "";
const background: ChildProcess[] = [];

/** A copy of the project as a clean clone has it (tracked and new files), sharing node_modules. */
function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "hookbridge-tutorial-"));
  const files = spawnSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (files.status !== 0) throw new Error(`git ls-files failed: ${files.stderr}`);
  for (const file of files.stdout.split("\0").filter(Boolean)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

beforeAll(async () => {
  for (const port of [BRIDGE_PORT, EMULATOR_PORT]) {
    if (await listening(port)) throw new Error(`port ${port} is in use: stop \`npm start\` first`);
  }
  copy = copyProject();
});

afterAll(() => {
  for (const child of background) {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // the group has ended
    }
  }
  if (copy) rmSync(copy, { recursive: true, force: true });
});

const env = { ...process.env, WRANGLER_SEND_METRICS: "false", HOOKBRIDGE_ADMIN_TOKEN: "" };

function run(command: string, exports: string[]): { code: number | null; out: string } {
  const result = spawnSync("bash", ["-c", [...exports, command].join("\n")], {
    cwd: copy,
    env,
    encoding: "utf8",
    timeout: 240_000,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

function runInBackground(command: string): ChildOutput {
  // Its own process group, so that Ctrl-C (SIGINT to the group) can end it as a terminal would.
  const child = spawn("bash", ["-c", command], { cwd: copy, env, detached: true });
  background.push(child);
  return collectOutput(child);
}

const succeeded = (reaction: string) => new RegExp(`${reaction} #1\\s+attempt\\s+success`);

describe("the README's tutorial", () => {
  it("runs as written, each command doing what the README says", async () => {
    const blocks = tutorialBlocks();
    const commands = blocks.flatMap((b) =>
      b.lang === "sh" ? b.lines.filter((l) => !l.startsWith("#")) : ["<toml>"],
    );
    const expected = [
      /^npm run demo\b/,
      /^npm start\b/,
      /^npm run tail\b/,
      /^npm run send -- kooomo kooomo\/order-paid --id order-1\b/,
      /^npm run send -- kooomo kooomo\/order-paid --id order-1\b/,
      /^curl -s http:\/\/127\.0\.0\.1:8788\/_emulator\/state/,
      /^export TOKEN=/,
      /events\?route=kooomo/,
      /-d '\{"kind": "connection", "name": "ometria-demo"\}' "\$API\/pauses"/,
      /-X DELETE .*\/pauses\/connection\/ometria-demo/,
      /^<toml>$/,
      /^npm run check-config\b/,
      /^npm run send -- kooomo kooomo\/order-paid --id order-2 --set data\.grand_total=350\b/,
    ];
    expect(commands).toHaveLength(expected.length);
    for (const [i, command] of commands.entries()) expect(command).toMatch(expected[i] as RegExp);
    const at = (i: number) => commands[i] as string;
    const outputs: string[] = [];
    const exports: string[] = [];

    const demo = run(at(0), exports);
    outputs.push(demo.out);
    expect(demo.code, demo.out).toBe(0);
    expect(demo.out).toContain("Everything happened as expected.");

    const start = runInBackground(at(1));
    await waitUntil("npm start's banner", () => start.output().includes("hookbridge is up"), 120_000);
    const tail = runInBackground(at(2));
    await waitUntil("the tail to follow", () => tail.output().includes("tail: following"));

    const sent = run(at(3), exports);
    outputs.push(sent.out);
    expect(sent.out).toMatch(/^202 /m);
    await waitUntil("the order's two reactions to succeed in the tail", () =>
      ["paid-order-stamps", "orders-to-ometria"].every((r) => succeeded(r).test(tail.output())),
    );
    const again = run(at(4), exports);
    outputs.push(again.out);
    expect(again.out).toMatch(/^200 /m);
    expect(again.out).toContain('"status": "duplicate"');

    const state = run(at(5), exports);
    outputs.push(state.out);
    expect(state.out).toMatch(/'email': 'ada@example\.com'.*'stamps': 1\b/);

    exports.push(at(6));
    const events = run(at(7), exports);
    outputs.push(events.out);
    expect(JSON.parse(events.out).events.length).toBeGreaterThanOrEqual(1);
    const paused = run(at(8), exports);
    outputs.push(paused.out);
    expect(JSON.parse(paused.out)).toMatchObject({ created: true, pause: { name: "ometria-demo" } });
    const resumed = run(at(9), exports);
    outputs.push(resumed.out);
    expect(JSON.parse(resumed.out)).toMatchObject({ resumed: { name: "ometria-demo" } });

    const reloads = () => start.output().split("bridge: reloading").length;
    const before = reloads();
    appendFileSync(
      join(copy, "wrangler.toml"),
      `\n${blocks.find((b) => b.lang === "toml")?.lines.join("\n")}\n`,
    );
    const check = run(at(11), exports);
    outputs.push(check.out);
    expect(check.code, check.out).toBe(0);
    expect(check.out).toContain("valid:");
    // The running bridge reloads the edited config; a person types the next command after that.
    await waitUntil("the bridge to reload", () => reloads() > before);
    await waitUntil("the reloaded bridge to answer", () =>
      fetch(`http://127.0.0.1:${BRIDGE_PORT}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    );
    const big = run(at(12), exports);
    outputs.push(big.out);
    expect(big.out).toMatch(/^202 /m);
    await waitUntil("the new reaction to succeed in the tail", () =>
      succeeded("big-spenders-to-vip-directory").test(tail.output()),
    );

    // Ctrl-C in each terminal: everything stops, nothing is left listening.
    for (const child of [tail.child, start.child]) if (child.pid) process.kill(-child.pid, "SIGINT");
    await waitUntil(
      "the ports to close",
      async () => !(await listening(BRIDGE_PORT)) && !(await listening(EMULATOR_PORT)),
    );
    outputs.push(start.output(), tail.output());
    for (const out of outputs) expect(out).not.toMatch(STACK_TRACE);
    expect(tail.output()).not.toMatch(/[\w.+-]+@[a-z][\w-]*\.[a-z]{2,}/i); // no e-mail address in clear
  }, 420_000);
});
