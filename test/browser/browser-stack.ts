// What the browser tests share: the local stack (wrangler dev for the bridge and the emulator) in a scratch
// folder, a Chromium from the npm registry (./chromium.ts), and signed Kooomo webhooks posted to the bridge.
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { expect } from "vitest";
import { unstable_readConfig } from "wrangler";
import { z } from "zod";
import { listening } from "../../scripts/lib/free-port.ts";
import {
  BRIDGE_PORT,
  EMULATOR_PORT,
  type LocalStack,
  ROOT,
  readDevVars,
  startLocalStack,
} from "../../scripts/lib/local-stack.ts";
import { signDelivery } from "../../scripts/lib/sign-delivery.ts";
import { verifierConfig } from "../../src/config/verifiers.ts";
import { waitFor } from "../support/wait.ts";
import { chromiumPath } from "./chromium.ts";

export const RESULTS = join(ROOT, "test-results");
export const adminToken = readDevVars().ADMIN_TOKEN ?? "";

export interface BrowserStack {
  stack: LocalStack;
  context: BrowserContext;
  stop: () => Promise<void>;
}

/** Starts the stack (its [vars] overridden by `vars`) on fresh state, and a headless Chromium beside it. */
export async function startBrowserStack(vars: Record<string, string> = {}): Promise<BrowserStack> {
  for (const port of [BRIDGE_PORT, EMULATOR_PORT]) {
    if (await listening(port)) throw new Error(`port ${port} is in use: stop \`npm start\` first`);
  }
  const scratch = await mkdtemp(join(tmpdir(), "hookbridge-browser-"));
  await mkdir(RESULTS, { recursive: true });
  const stack = await startLocalStack({ quiet: true, persistTo: join(scratch, "state"), vars });
  const context = await chromium.launchPersistentContext(join(scratch, "profile"), {
    executablePath: await chromiumPath(),
    headless: true,
    timeout: 30_000,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  context.setDefaultTimeout(15_000);
  const stop = async () => {
    await context.close();
    stack.stop();
    // The stack is stopped only once nothing answers on its ports any more.
    for (const port of [BRIDGE_PORT, EMULATOR_PORT]) {
      await waitFor(
        () => listening(port),
        (open) => !open,
        { timeoutMs: 20_000, what: `port ${port} to close` },
      );
    }
    await rm(scratch, { recursive: true, force: true });
  };
  return { stack, context, stop };
}

const kooomoRoute = z.object({ verifier: verifierConfig, secrets: z.array(z.string()) });

/** Posts test/fixtures/kooomo/<fixture>.json signed as Kooomo would; answers the event id. */
export async function sendKooomo(bridgeUrl: string, fixture = "order-paid"): Promise<string> {
  const config = unstable_readConfig({ config: join(ROOT, "wrangler.toml") }, { hideWarnings: true });
  const route = kooomoRoute.parse(z.record(z.string(), z.unknown()).parse(config.vars.ROUTES).kooomo);
  const vars = readDevVars();
  const secret = route.secrets.map((name) => vars[name]).find(Boolean) ?? "";
  const body = await readFile(join(ROOT, `test/fixtures/kooomo/${fixture}.json`));
  const signed = await signDelivery(route.verifier, {
    body,
    secret,
    id: `browser_${crypto.randomUUID()}`,
    now: new Date(),
  });
  const res = await fetch(`${bridgeUrl}/webhooks/kooomo`, {
    method: "POST",
    headers: { "content-type": "application/json", ...signed.headers },
    body,
  });
  expect(res.status).toBe(202);
  return z.object({ id: z.string() }).parse(await res.json()).id;
}

/** A call to the admin API with the demo token; answers the parsed JSON. */
export async function adminApi(bridgeUrl: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${bridgeUrl}/admin/api${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  expect(res.ok, `${path}: ${res.status}`).toBe(true);
  return res.json();
}
