// The dashboard in a real browser against the real local stack: wrangler dev runs the bridge (local D1 and
// Queues) and the Membrane emulator, a Chromium from the npm registry (./chromium.ts) is driven by
// playwright-core. Run: npm run test:browser.
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { LocalStack } from "../../scripts/lib/local-stack.ts";
import { waitFor } from "../support/wait.ts";
import { adminToken, type BrowserStack, RESULTS, sendKooomo, startBrowserStack } from "./browser-stack.ts";

const SCREENSHOT = join(RESULTS, "dashboard.png");
const REACTION = "orders-to-ometria";

let browser: BrowserStack | undefined;
let stack: LocalStack | undefined;
let context: BrowserContext | undefined;

beforeAll(async () => {
  browser = await startBrowserStack();
  ({ stack, context } = browser);
});

afterAll(async () => {
  await browser?.stop();
});

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
    const eventId = await sendKooomo(bridgeUrl);
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
    await page.screenshot({ path: join(RESULTS, "dashboard-dead-letters.png"), fullPage: true });
    await page.getByRole("link", { name: "Health", exact: true }).click();
    expect(await page.getByRole("button", { name: "Pause" }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(RESULTS, "dashboard-health.png"), fullPage: true });

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
    await page.screenshot({ path: join(RESULTS, "dashboard-events.png"), fullPage: true });

    expect(problems).toEqual([]);
  });
});
