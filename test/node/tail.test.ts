// `npm run tail` as an operator runs it, a child process following a real bridge (wrangler dev, local D1 and
// Queues) and the Membrane emulator, both on ports of their own: a paid order is sent with `npm run send` and
// the tail must show the event, each planned delivery and its first attempt. Waits are bounded, not timed.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { freePort } from "../../scripts/lib/free-port.ts";
import {
  migrateLocalDatabase,
  ROOT,
  readDevVars,
  startBridge,
  startEmulator,
  waitUntilUp,
} from "../../scripts/lib/local-stack.ts";
import { waitUntil } from "../support/wait.ts";
import { type ChildOutput, collectOutput, STACK_TRACE } from "./child-output.ts";

let scratch = "";
let bridgeUrl = "";
const children: ChildProcess[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "hookbridge-tail-"));
  const emulator = await startEmulator({
    port: await freePort(),
    persistTo: join(scratch, "emulator"),
    quiet: true,
  });
  children.push(emulator.child);
  migrateLocalDatabase(scratch);
  const bridge = startBridge({
    port: await freePort(),
    persistTo: scratch,
    quiet: true,
    vars: { MEMBRANE_API_URL: emulator.url },
  });
  children.push(bridge.child);
  await waitUntilUp(`${bridge.url}/healthz`, bridge.child);
  bridgeUrl = bridge.url;
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  await rm(scratch, { recursive: true, force: true });
});

function run(script: string, args: string[]): ChildOutput {
  const child = spawn(process.execPath, [`${ROOT}scripts/${script}`, ...args], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", HOOKBRIDGE_ADMIN_TOKEN: "" },
  });
  children.push(child);
  return collectOutput(child);
}

const eventAnswer = z.object({ id: z.string() });
const eventDetail = z.object({ deliveries: z.array(z.object({ reaction: z.string() })) });

describe("npm run tail", () => {
  it("shows a paid order's event, each planned delivery and its first attempt as they happen", async () => {
    const tail = run("tail.ts", ["--url", bridgeUrl]);
    await waitUntil("the tail's start line", () => tail.stderr().includes("following"));
    const sent = run("send.ts", ["--url", bridgeUrl, "kooomo", "kooomo/order-paid"]);
    expect(await sent.exited).toBe(0);
    const { id } = eventAnswer.parse(JSON.parse(sent.stdout().slice(sent.stdout().indexOf("{"))));
    const token = readDevVars().ADMIN_TOKEN ?? "";
    // Planning runs from the queue, after the 202: wait for the event's deliveries.
    let reactions: string[] = [];
    await waitUntil("the order's planned deliveries", async () => {
      const detail = await fetch(`${bridgeUrl}/admin/api/events/${id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      reactions = eventDetail.parse(await detail.json()).deliveries.map((d) => d.reaction);
      return reactions.length > 0;
    });
    const short = `…${id.slice(-8)}`;
    const lines = () => tail.stdout().split("\n");
    await waitUntil("the order, its plannings and first attempts in the tail", () =>
      reactions.every(
        (reaction) =>
          lines().some((l) => l.includes(reaction) && l.includes(" planned ") && l.includes(short)) &&
          lines().some((l) => l.includes(`${reaction} #1`) && l.includes(" attempt ")),
      ),
    );
    expect(
      lines().some((l) => l.includes("order.paid") && l.includes(" received ") && l.includes(short)),
    ).toBe(true);
    tail.child.kill("SIGINT");
    expect(await tail.exited).toBe(0);
    expect(tail.stdout()).not.toMatch(/@/);
    expect(tail.stdout() + tail.stderr()).not.toMatch(STACK_TRACE);
  });

  it("prints JSON lines up to now with --once, filtered by reaction", async () => {
    const once = run("tail.ts", [
      "--url",
      bridgeUrl,
      "--once",
      "--json",
      "--since",
      "10m",
      "--reaction",
      "paid-order-stamps",
    ]);
    expect(await once.exited).toBe(0);
    const items = once
      .stdout()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { kind: string; reaction: string });
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(new Set(items.map((i) => i.reaction))).toEqual(new Set(["paid-order-stamps"]));
    expect(items.map((i) => i.kind)).toContain("attempt.finished");
  });

  it("says what is wrong, without a stack trace: a refused token, a bad status, no bridge", async () => {
    const refused = run("tail.ts", ["--url", bridgeUrl, "--once", "--token", "not-the-token"]);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toContain("the admin token was refused");
    const badStatus = run("tail.ts", ["--url", bridgeUrl, "--once", "--status", "done,nope"]);
    expect(await badStatus.exited).toBe(2);
    expect(badStatus.stderr()).toMatch(/refused the query: .*status/);
    const nobody = run("tail.ts", ["--url", `http://127.0.0.1:${await freePort()}`, "--once"]);
    expect(await nobody.exited).toBe(1);
    expect(nobody.stderr()).toContain("is the bridge running?");
    const usage = run("tail.ts", ["--bogus"]);
    expect(await usage.exited).toBe(2);
    expect(usage.stderr()).toContain("usage: npm run tail");
    for (const r of [refused, badStatus, nobody, usage]) expect(r.stderr()).not.toMatch(STACK_TRACE);
  });
});
