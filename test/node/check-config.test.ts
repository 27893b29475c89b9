import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "check-config-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `npm run check-config` as CI would, on wrangler.toml plus `extra` TOML appended. */
function checkConfig(extra: string) {
  const file = join(dir, `wrangler-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, `${readFileSync(`${ROOT}wrangler.toml`, "utf8")}\n${extra}\n`);
  const run = spawnSync(process.execPath, [`${ROOT}scripts/check-config.ts`, "--config", file], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("npm run check-config", () => {
  it("exits 0 with a one-line summary on the shipped wrangler.toml", () => {
    const run = checkConfig("");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split("\n")).toHaveLength(1);
    expect(run.stdout).toMatch(/: valid: 3 routes, \d+ reactions \(\d+ declarative, \d+ filtered\)/);
  });

  it("exits 1 with the start-up message naming the reaction and field of a broken expression", () => {
    const run = checkConfig(`
[vars.REACTIONS.broken-vip]
connection = "coupontools-demo"
on = ["order.paid"]
when = "data.total.amount_minor >"
action = { key = "create-directory-user", input = '{"email": data.customer.emial}' }
`);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim()).toBe(
      "invalid reaction config: reactions.broken-vip.when: does not parse (S0207 at 25): Unexpected end of expression\n" +
        "    data.total.amount_minor >\n" +
        `    ${" ".repeat(24)}^; ` +
        "reactions.broken-vip.action.input: order.paid has no field data.customer.emial (did you mean data.customer.email?)",
    );
  });

  it("notes an action key the Membrane seeds do not list, and passes (the workspace may have it)", () => {
    const run = checkConfig(`
[vars.REACTIONS.typo]
connection = "coupontools-demo"
on = ["order.paid"]
action = { key = "send-coupon-by-mail", input = '{"email": data.customer.email}' }
`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^note: reactions\.typo\.action\.key: "send-coupon-by-mail" is not among the action keys the Membrane seeds list; `npm run preflight` checks it against your workspace$/m,
    );
  });
});
