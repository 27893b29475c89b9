// `npm run preflight` as an operator runs it: a Node process checking wrangler.toml against a Membrane
// workspace, here the emulator under wrangler dev on a port of its own. As shipped it passes and prints its
// table; when the workspace's stamps action names the amount otherwise, it names the mismatch and the setting
// that fits it, and exits 1.

import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/lib/free-port.ts";
import { ROOT, startEmulator } from "../../scripts/lib/local-stack.ts";

let emulator: { url: string; child: ChildProcess } | undefined;
let scratch = "";

function preflight(): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [`${ROOT}scripts/preflight.ts`], {
    cwd: ROOT,
    env: { ...process.env, MEMBRANE_API_URL: emulator?.url ?? "", WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "hookbridge-preflight-"));
  emulator = await startEmulator({ port: await freePort(), persistTo: scratch, quiet: true });
}, 90_000);

afterAll(async () => {
  if (emulator?.child.exitCode === null) emulator.child.kill("SIGTERM");
  await rm(scratch, { recursive: true, force: true });
});

describe("npm run preflight", () => {
  it("passes against the emulator as shipped and prints one table", () => {
    const run = preflight();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^result +subject +check +detail$/m);
    expect(run.stdout).toMatch(
      /^ok +connection coupontools-demo +exists and is connected +coupontools, connected \(READY\)$/m,
    );
    expect(run.stdout).toMatch(
      /^ok +reaction paid-order-stamps +action add_stamps \(add-stamps-to-loyalty-card\) on order\.paid +resolves to act_coupontools_add-stamps-to-loyalty-card; the input fits its schema$/m,
    );
    expect(run.stdout).toMatch(/^skip +reaction alerts-to-chat +proxy probe +no probe declared/m);
    expect(run.stdout).toMatch(/^preflight passed: \d+ checks$/m);
  });

  it("names a renamed field and its setting, and exits 1", async () => {
    const res = await fetch(`${emulator?.url}/_emulator/settings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ actionInputRenames: { "add-stamps-to-loyalty-card": { stamps: "amount" } } }),
    });
    expect(res.status).toBe(200);
    const run = preflight();
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL +reaction paid-order-stamps +action add_stamps \(add-stamps-to-loyalty-card\) on order\.paid +action add-stamps-to-loyalty-card does not take this input: "amount" is required and missing; "stamps" is not in its input schema \(Membrane would drop it\)\. Fit it in \[vars\.REACTIONS\.paid-order-stamps\] options\.actions\.add_stamps, e\.g\. \{ rename = \{ stamps = "amount" \} \}$/m,
    );
    expect(run.stdout).toMatch(/^preflight FAILED: 1 of \d+ checks$/m);
  });
});
