// The dashboard in a real browser against the real local stack: wrangler dev runs the bridge (local D1 and
// Queues) and the Membrane emulator, a Chromium from the npm registry (./chromium.ts) is driven by
// playwright-core. Run: npm run test:browser.
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { z } from "zod";
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

const SCREENSHOT = join(ROOT, "test-results", "dashboard.png");
const REACTION = "orders-to-ometria";

const vars = readDevVars();
const adminToken = vars.ADMIN_TOKEN ?? "";

let stack: LocalStack | undefined;
let context: BrowserContext | undefined;
let scratch = "";

/** Answers while something listens on the port (a stack already running would make this test lie). */
async function listening(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  for (const port of [BRIDGE_PORT, EMULATOR_PORT]) {
    if (await listening(port)) throw new Error(`port ${port} is in use: stop \`npm start\` first`);
  }
  scratch = await mkdtemp(join(tmpdir(), "hookbridge-browser-"));
  await mkdir(join(ROOT, "test-results"), { recursive: true });
  stack = await startLocalStack({ quiet: true, persistTo: join(scratch, "state") });
  context = await chromium.launchPersistentContext(join(scratch, "profile"), {
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
});

afterAll(async () => {
  await context?.close();
  stack?.stop();
  // The stack is stopped only once nothing answers on its ports any more.
  for (const port of [BRIDGE_PORT, EMULATOR_PORT]) {
    await waitFor(
      () => listening(port),
      (open) => !open,
      { timeoutMs: 20_000, what: `port ${port} to close` },
    );
  }
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const kooomoRoute = z.object({ verifier: verifierConfig, secrets: z.array(z.string()) });

/** Posts test/fixtures/kooomo/order-paid.json signed as Kooomo would; answers the event id. */
async function sendOrderPaid(bridgeUrl: string): Promise<string> {
  const config = unstable_readConfig({ config: join(ROOT, "wrangler.toml") }, { hideWarnings: true });
  const route = kooomoRoute.parse(z.record(z.string(), z.unknown()).parse(config.vars.ROUTES).kooomo);
  const secret = route.secrets.map((name) => vars[name]).find(Boolean) ?? "";
  const body = await readFile(join(ROOT, "test/fixtures/kooomo/order-paid.json"));
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

const eventDetail = z.object({
  deliveries: z.array(z.object({ reaction: z.string(), status: z.string() })),
});

async function deliveryStatus(bridgeUrl: string, eventId: string): Promise<string | undefined> {
  const res = await fetch(`${bridgeUrl}/admin/api/events/${eventId}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const detail = eventDetail.parse(await res.json());
  return detail.deliveries.find((d) => d.reaction === REACTION)?.status;
}

const badgeOf = (page: Page) => page.locator(`#delivery-${REACTION} .card-head .badge`);

describe("dashboard in Chromium", () => {
  it("logs in, opens a failed event, retries its dead delivery and sees it succeed", async () => {
    if (!stack?.emulatorUrl || !context) throw new Error("the stack did not start with the emulator");
    const { bridgeUrl, emulatorUrl } = stack;

    // Ometria refuses the next /push once, permanently (400): the order's Ometria delivery dies.
    const fault = await fetch(`${emulatorUrl}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ match: { pathPrefix: "/push" }, status: 400, times: 1 }),
    });
    expect(fault.ok).toBe(true);
    const eventId = await sendOrderPaid(bridgeUrl);
    await waitFor(
      () => deliveryStatus(bridgeUrl, eventId),
      (s) => s === "dead",
      { timeoutMs: 30_000, what: "the delivery to die" },
    );

    const page = await context.newPage();
    const problems: string[] = [];
    // A CSP violation (e.g. a blocked stylesheet) or a script error shows up here.
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));

    // Signed out: the event link leads to the login form, and back to the event after it.
    await page.goto(`${bridgeUrl}/admin/events/${eventId}`);
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await page.getByLabel("Admin token").fill(adminToken);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`**/admin/events/${eventId}`);

    const [session] = await context.cookies(`${bridgeUrl}/admin`);
    expect(session).toMatchObject({
      name: "hookbridge_session",
      httpOnly: true,
      sameSite: "Strict",
      path: "/admin",
    });
    expect(session?.value).not.toContain(adminToken);

    await expect.poll(() => badgeOf(page).textContent()).toBe("dead");

    // The other pages render in the browser too: the dead letter is listed, the routes are healthy.
    await page.getByRole("link", { name: "Dead letters", exact: true }).click();
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Retry all 1 shown" }).count()).toBe(1);
    await page.screenshot({ path: join(ROOT, "test-results", "dashboard-dead-letters.png"), fullPage: true });
    await page.getByRole("link", { name: "Health", exact: true }).click();
    expect(await page.getByRole("button", { name: "Pause" }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ROOT, "test-results", "dashboard-health.png"), fullPage: true });

    await page.goto(`${bridgeUrl}/admin/events/${eventId}`);
    await page.locator(`#delivery-${REACTION}`).getByRole("button", { name: "Retry" }).click();
    await page.waitForURL(`**/admin/events/${eventId}`);
    expect(await page.getByRole("status").textContent()).toBe(`Retry of "${REACTION}" queued.`);

    // Server-rendered: reload until the queue consumer has run the retry.
    await waitFor(
      async () => {
        await page.reload();
        return badgeOf(page).textContent();
      },
      (status) => status === "succeeded",
      { timeoutMs: 30_000, what: "the retried delivery to succeed on the page" },
    );
    expect(await page.locator(`#delivery-${REACTION} tbody tr`).count()).toBe(2);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The overview shows the event done and no dead letters left.
    await page.getByRole("link", { name: "Events", exact: true }).click();
    await expect.poll(() => page.locator(".stat").nth(1).locator(".value").textContent()).toBe("0");
    await page.screenshot({ path: join(ROOT, "test-results", "dashboard-events.png"), fullPage: true });

    expect(problems).toEqual([]);
  });
});
