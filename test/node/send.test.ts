import { spawn } from "node:child_process";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// The demo secret of the kooomo route (.dev.vars.example), which `npm run send` signs with.
const KOOOMO_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** A stand-in bridge on loopback: it records what arrives and answers 202. */
const received: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];
const server = createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8").on("data", (chunk) => {
    body += chunk;
  });
  req.on("end", () => {
    received.push({ url: req.url ?? "", headers: req.headers, body });
    res.writeHead(202, { "content-type": "application/json" }).end('{"accepted": true}');
  });
});
let url = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** Runs `npm run send -- ...args` as an operator would (a child process), without blocking the server. */
function send(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${ROOT}scripts/send.ts`, ...args], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const verifies = (r: (typeof received)[number]) => {
  try {
    new Webhook(KOOOMO_SECRET).verify(r.body, r.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

describe("npm run send", () => {
  it("prints its usage for --help, and an unknown option's error with the usage, never a stack trace", async () => {
    const help = await send("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run send -- <route> <fixture-or-file>/);
    expect(help.stdout).toContain("--set PATH=VALUE");
    const bad = await send("--bogus");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--bogus'[\s\S]*usage:/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it("signs with the route's secret, and --set changes the body before it is signed", async () => {
    const run = await send(
      "kooomo",
      "kooomo/order-paid",
      "--url",
      url,
      "--set",
      "data.grand_total=250",
      "--set",
      "data.note=gift",
    );
    expect(run.code).toBe(0);
    const got = received.at(-1);
    if (!got) throw new Error("nothing arrived");
    expect(got.url).toBe("/webhooks/kooomo");
    expect(JSON.parse(got.body).data).toMatchObject({ grand_total: 250, note: "gift" });
    expect(verifies(got)).toBe(true);
  });

  it("--forged signs with a secret that is not the route's (here a Standard Webhooks route)", async () => {
    const run = await send("kooomo", "kooomo/order-paid", "--url", url, "--forged");
    expect(run.code).toBe(0);
    const got = received.at(-1);
    if (!got) throw new Error("nothing arrived");
    expect(got.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(verifies(got)).toBe(false);
  });
});
