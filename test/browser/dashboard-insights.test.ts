// The dashboard's issues strip, charts and event timeline in Chromium, against the real local stack with a
// breaker that opens after 3 failed calls and stays open (so the page can be looked at while it is).
// Screenshots: test-results/dashboard-issues.png, dashboard-charts.png, dashboard-timeline.png.
import { join } from "node:path";
import type { Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { waitFor } from "../support/wait.ts";
import {
  adminApi,
  adminToken,
  type BrowserStack,
  RESULTS,
  sendKooomo,
  startBrowserStack,
} from "./browser-stack.ts";

const OMETRIA = "ometria-demo";
const COUPONTOOLS = "coupontools-demo";
const HOUR = 3_600_000;
/** The dashboard's CSP (src/admin/dashboard/guards.ts), the nonce aside. */
const CSP =
  /^default-src 'none'; style-src 'nonce-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/;

let browser: BrowserStack | undefined;
const startedAt = Date.now();

beforeAll(async () => {
  browser = await startBrowserStack({
    DELIVERY: JSON.stringify({
      retry_schedule_seconds: [1, 1, 1, 1, 1],
      jitter: 0,
      breaker_min_calls: 3,
      breaker_window_seconds: 60,
      breaker_cooldown_seconds: 600,
    }),
  });
});

afterAll(async () => {
  await browser?.stop();
});

const stats = z.object({
  connections: z.record(z.string(), z.object({ breaker: z.object({ state: z.string() }) })),
});

const attempts = z.object({
  deliveries: z.array(z.object({ attempt_log: z.array(z.object({ duration_ms: z.number().nullable() })) })),
});

/** Opens a page and checks what every dashboard page must: the CSP as it was, and no script element. */
async function open(page: Page, url: string): Promise<Response> {
  const res = await page.goto(url);
  if (!res) throw new Error(`no answer for ${url}`);
  expect(res.headers()["content-security-policy"]).toMatch(CSP);
  expect(await page.locator("script").count()).toBe(0);
  return res;
}

/** The markers of one series of the chart captioned `caption…`. */
const markers = (page: Page, caption: string, series: string) =>
  page
    .locator(`figure.chart:has(figcaption:text-is("${caption}")) g[data-series="${series}"] circle`)
    .count();

describe("dashboard insights in Chromium", () => {
  it("shows an open breaker in the issues strip, the 24 h charts, and why a delivery waits", async () => {
    if (!browser?.stack.emulatorUrl) throw new Error("the stack did not start with the emulator");
    const { bridgeUrl, emulatorUrl } = browser.stack;

    // Ometria answers 503 to every call: three orders' pushes open its breaker (3 calls, all failed).
    const fault = await fetch(`${emulatorUrl}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ match: { connectionId: OMETRIA }, status: 503, times: 1000 }),
    });
    expect(fault.ok).toBe(true);
    const orders: string[] = [];
    for (let i = 0; i < 3; i++) orders.push(await sendKooomo(bridgeUrl, "order-created"));
    await waitFor(
      async () => stats.parse(await adminApi(bridgeUrl, "/stats")).connections[OMETRIA]?.breaker.state,
      (state) => state === "open",
      { timeoutMs: 45_000, what: "Ometria's breaker to open" },
    );
    // The lane sees a call fail before its attempt is recorded: wait for the records the charts count.
    for (const id of orders) {
      await waitFor(
        async () => attempts.parse(await adminApi(bridgeUrl, `/events/${id}`)).deliveries,
        (deliveries) => deliveries.some((d) => d.attempt_log.some((a) => a.duration_ms !== null)),
        { timeoutMs: 30_000, what: `order ${id}'s failed attempt to be recorded` },
      );
    }
    // Coupontools paused: the paid order's stamps wait for the operator, its Ometria push for the breaker.
    await adminApi(bridgeUrl, "/pauses", { kind: "connection", name: COUPONTOOLS });
    const paid = await sendKooomo(bridgeUrl, "order-paid");
    const detail = z.object({ deliveries: z.array(z.object({ reaction: z.string() })) });
    await waitFor(
      async () => detail.parse(await adminApi(bridgeUrl, `/events/${paid}`)).deliveries.length,
      (n) => n >= 2,
      { timeoutMs: 30_000, what: "the paid order's deliveries to be planned" },
    );

    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${bridgeUrl}/admin/login`);
    await page.getByLabel("Admin token").fill(adminToken);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${bridgeUrl}/admin`);

    // The issues strip: the open breaker and the pause, each linking to the health page.
    await open(page, `${bridgeUrl}/admin?refresh=off`);
    const breaker = page.locator("section.issues li.breaker");
    expect(await breaker.count(), "open breakers in the strip").toBe(1);
    expect(await breaker.textContent()).toContain(`breaker open ${OMETRIA}`);
    expect(await breaker.locator("a").getAttribute("href")).toBe(`/admin/health#connection-${OMETRIA}`);
    expect(await page.locator("section.issues li.pause").textContent()).toContain(
      `connection ${COUPONTOOLS}`,
    );
    await page.locator("section.issues").screenshot({ path: join(RESULTS, "dashboard-issues.png") });

    // The events chart: one point per hour of the last 24 h for each series; this hour holds the 4 orders.
    const route = "kooomo: events per hour, last 24 h (UTC)";
    expect(await markers(page, route, "received")).toBe(24);
    expect(await markers(page, route, "failed")).toBe(24);
    const thisHour = `${new Date().toISOString().slice(11, 13)}:00`;
    const point = page.locator(`g[data-series="received"] title:text-is("${thisHour}: received 4")`);
    expect(await point.count(), "this hour's point: 4 received").toBe(1);
    await page.locator("#route-charts").screenshot({ path: join(RESULTS, "dashboard-charts.png") });

    // The connection charts on the health page: outcomes every hour, call times only in hours with calls.
    await open(page, `${bridgeUrl}/admin/health?refresh=off`);
    expect(await markers(page, `${OMETRIA}: attempts per hour by outcome`, "transient")).toBe(24);
    const hoursWithCalls = Math.floor(Date.now() / HOUR) - Math.floor(startedAt / HOUR) + 1;
    expect(await markers(page, `${OMETRIA}: call time per hour`, "p95"), "p95 points").toBe(hoursWithCalls);
    const row = page.locator(`tr#connection-${OMETRIA}`);
    expect(Number(await row.locator(".failed-count").textContent())).toBeGreaterThanOrEqual(3);
    expect(await row.locator(".waiting").textContent()).toMatch(/^\d+$/);
    await page.screenshot({ path: join(RESULTS, "dashboard-health-charts.png"), fullPage: true });

    // The paid order's timeline names both reasons its deliveries wait.
    await open(page, `${bridgeUrl}/admin/events/${paid}?refresh=off`);
    const waiting = page.locator('ol.timeline li[data-waiting="true"]');
    const reasons = (await waiting.allTextContents()).join("\n");
    expect(reasons).toContain(`paid-order-stamps waits: paused: the connection ${COUPONTOOLS} is paused`);
    expect(reasons).toContain(`orders-to-ometria waits: breaker open on ${OMETRIA}`);
    await page.screenshot({ path: join(RESULTS, "dashboard-timeline.png"), fullPage: true });

    expect(problems).toEqual([]);
  });
});
