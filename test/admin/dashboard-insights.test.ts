import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/lib/ids";
import { windowStart } from "../../src/store/hourly-activity";
import orderCreated from "../fixtures/kooomo/order-created.json";
import { adminJson, deliveriesWhen, drive } from "../support/admin";
import { dashboard, pageHtml, signIn } from "../support/dashboard";
import { acceptedId, deliver } from "../support/deliveries";
import { DEMO, injectFault, resetEmulator } from "../support/emulator";
import { seedAttempt, seedDelivery, seedEvent } from "../support/seed-rows";

// The dashboard's issue strip, charts, event story and health numbers, on the real local D1 and lanes.

beforeEach(resetEmulator);
afterEach(async () => {
  await env.DB.prepare("DELETE FROM pauses").run();
});

const HOUR = 3_600_000;
/** The CSP every page sends (src/admin/dashboard/guards.ts), the nonce aside: this work must not loosen it. */
const CSP =
  /^default-src 'none'; style-src 'nonce-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/;

/** The markers (<circle>) of one series of the chart whose caption starts with `caption`. */
function markers(html: string, caption: string, series: string): number {
  const figure = html.slice(html.indexOf(`<figcaption>${caption}`));
  const end = figure.indexOf("</figure>");
  const group = figure.slice(figure.indexOf(`data-series="${series}"`), end);
  return (group.slice(0, group.indexOf("</g>")).match(/<circle /g) ?? []).length;
}

describe("the issues strip", () => {
  it("groups dead letters by reaction and code, and names a paused connection, on every page", async () => {
    await injectFault({ match: { connectionId: DEMO.ometria }, status: 400, times: 2 });
    for (const n of [1, 2]) {
      const id = await acceptedId(await deliver("kooomo", { ...orderCreated, id: `issue-${n}` }));
      await drive(id);
      await deliveriesWhen(id, (d) => d.status === "dead", "the delivery to die");
    }
    await adminJson("/pauses", { body: { kind: "connection", name: DEMO.ometria }, status: 200 });
    const cookie = await signIn();
    for (const path of ["/admin", "/admin/dead-letters", "/admin/health"]) {
      const html = await pageHtml(path, cookie);
      const strip = html.slice(html.indexOf('<section class="issues"'), html.indexOf("</section>"));
      expect(strip, path).toMatch(
        /<a href="\/admin\/dead-letters\?reaction=orders-to-ometria&amp;code=bad_request">\d+ dead letters of orders-to-ometria<\/a> <code>bad_request<\/code>/,
      );
      expect(strip, path).toMatch(/in the last 24 h · first <time[^>]*>[^<]+<\/time>, last <time/);
      expect(strip, path).toContain(
        `paused</span> connection <a href="/admin/health#connection-${DEMO.ometria}">`,
      );
    }
    // The dead delivery's refused attempt: its answer is shown open, its call named by the vendor path.
    const [dead] = (
      await env.DB.prepare("SELECT event_id FROM deliveries WHERE status = 'dead' LIMIT 1").all<{
        event_id: string;
      }>()
    ).results;
    const event = await pageHtml(`/admin/events/${dead?.event_id}`, cookie);
    expect(event).toMatch(/<details open(="")?><summary>answer<\/summary><pre>/);
    expect(event).toContain('<span class="mono call">proxy POST /push</span>');
  });
});

describe("the event page", () => {
  it("lists and retries one dead letter group from its link: its reaction and its code", async () => {
    await injectFault({ match: { connectionId: DEMO.ometria }, status: 400, times: 1 });
    const refused = await acceptedId(await deliver("kooomo", { ...orderCreated, id: `group-${uuidv7()}` }));
    await drive(refused);
    await deliveriesWhen(refused, (d) => d.status === "dead", "the delivery to die");
    // Another group of the same reaction: died on a timeout.
    const other = `group-${uuidv7()}`;
    await seedEvent(other, "kooomo", Date.now());
    const timedOut = await seedDelivery({
      eventId: other,
      reaction: "orders-to-ometria",
      connection: DEMO.ometria,
      status: "dead",
      at: Date.now(),
      errorCode: "timeout",
    });
    const cookie = await signIn();
    const page = await pageHtml("/admin/dead-letters?reaction=orders-to-ometria&code=timeout", cookie);
    expect(page).toContain(`href="/admin/events/${other}"`);
    expect(page).not.toContain(`href="/admin/events/${refused}"`);
    expect(page).toContain('<input type="hidden" name="code" value="timeout"/>');

    const res = await dashboard("/admin/dead-letters/retry", {
      cookie,
      form: {
        reaction: "orders-to-ometria",
        code: "bad_request",
        limit: "100",
        return_to: "/admin/dead-letters",
      },
    });
    expect(res.status).toBe(303);
    await deliveriesWhen(refused, (d) => d.status !== "dead", "the refused delivery to be retried");
    const still = await env.DB.prepare("SELECT status FROM deliveries WHERE id = ?1").bind(timedOut).first();
    expect(still).toEqual({ status: "dead" });
  });

  it("names the pause a delivery waits for, summarises the order and masks the person in the raw body", async () => {
    await adminJson("/pauses", { body: { kind: "connection", name: DEMO.ometria }, status: 200 });
    const id = await acceptedId(await deliver("kooomo", { ...orderCreated, id: `paused-${uuidv7()}` }));
    await drive(id);
    const html = await pageHtml(`/admin/events/${id}`, await signIn());
    expect(html).toContain(
      `<li class="wait" data-waiting="true"><span class="when">now</span>orders-to-ometria waits: paused: the connection ${DEMO.ometria} is paused</li>`,
    );
    expect(html).toContain("<dt>Order</dt><dd>100046</dd><dt>Amount</dt><dd>£64.50</dd>");
    expect(html).toContain("<dt>Customer</dt><dd>G. H. · ***@example.com</dd>");
    expect(html).toContain('<pre class="full raw-body">');
    expect(html).toContain("&quot;email&quot;: &quot;***&quot;");
    // The person appears nowhere on the page in clear.
    expect(html).not.toMatch(/grace@|Grace|Hopper/);
  });

  it("says a retry whose time has passed waits for its turn, not that its next attempt is in the past", async () => {
    const id = uuidv7();
    await seedEvent(id, "kooomo", Date.now() - 120_000, "processing", { data: {} });
    const delivery = await seedDelivery({
      eventId: id,
      reaction: "r",
      connection: "idle-connection",
      status: "retrying",
      at: Date.now() - 90_000,
    });
    await env.DB.prepare("UPDATE deliveries SET next_attempt_at = ?2 WHERE id = ?1")
      .bind(delivery, Date.now() - 60_000)
      .run();
    const html = await pageHtml(`/admin/events/${id}`, await signIn());
    expect(html).not.toContain("<dt>Next attempt</dt>");
    expect(html).toContain(
      '<dt>Waits</dt><dd class="waits">due now, waiting for its turn in the lane of idle-connection</dd>',
    );
  });

  it("shows the raw body only while retention keeps it, even before the cron removed it", async () => {
    const id = uuidv7();
    const days = (n: number) => n * 86_400_000;
    await seedEvent(id, "kooomo", Date.now() - days(31), "done", {
      data: {},
      rawBody: '{"kept":"still here"}',
    });
    const cookie = await signIn();
    const old = await pageHtml(`/admin/events/${id}`, cookie);
    expect(old).toContain("Removed by retention");
    expect(old).not.toContain("still here");
    await env.DB.prepare("UPDATE events SET received_at = ?2 WHERE id = ?1")
      .bind(id, Date.now() - days(29))
      .run();
    expect(await pageHtml(`/admin/events/${id}`, cookie)).toContain(
      "&quot;kept&quot;: &quot;still here&quot;",
    );
  });

  it("shows the bridge's own events as what they are: no verification, no delivery headers", async () => {
    const id = uuidv7();
    const data = {
      delivery_id: "x:r",
      event_id: "x",
      reaction: "r",
      connection: "c",
      code: "bad_request",
      attempts: 1,
    };
    await seedEvent(id, "hookbridge", Date.now(), "done", {
      vendor: "hookbridge",
      type: "hookbridge.delivery_dead",
      data,
      rawBody: "{}",
    });
    const html = await pageHtml(`/admin/events/${id}`, await signIn());
    expect(html).toContain("Raised by the bridge itself");
    expect(html).toContain("<dt>code</dt><dd>bad_request</dd>");
    expect(html).not.toContain("<dt>Verification</dt>");
    expect(html).not.toContain("Headers kept at ingress");
    expect(html).not.toContain("<h2>Raw body</h2>");
    // Listed as internal, not as verified.
    const list = await pageHtml("/admin?route=hookbridge", await signIn());
    const row = list.slice(list.indexOf(`href="/admin/events/${id}"`));
    expect(row.slice(0, row.indexOf("</tr>"))).toContain('<span class="badge info">internal</span>');
    expect(row.slice(0, row.indexOf("</tr>"))).not.toContain("verified");
  });
});

describe("charts and health", () => {
  it("draws one point per hour per series for each route, and call times only where calls finished", async () => {
    const start = windowStart(Date.now());
    await seedEvent(`seeded-${uuidv7()}`, "seeded-route", start + 2 * HOUR, "failed");
    await seedEvent(`seeded-${uuidv7()}`, "seeded-route", start + 2 * HOUR + 1, "done");
    const eventId = `seeded-${uuidv7()}`;
    await seedEvent(eventId, "seeded-route", start + 5 * HOUR);
    const delivery = await seedDelivery({
      eventId,
      reaction: "r",
      connection: "seeded-connection",
      at: start,
    });
    await seedAttempt(delivery, 1, start + 5 * HOUR, "transient", 900);
    await seedAttempt(delivery, 2, start + 7 * HOUR, "success", 300);
    await seedEvent(`hookbridge-${uuidv7()}`, "hookbridge", start + HOUR);
    const cookie = await signIn();

    const events = await pageHtml("/admin", cookie);
    expect(markers(events, "seeded-route: events per hour", "received")).toBe(24);
    expect(markers(events, "seeded-route: events per hour", "failed")).toBe(24);
    const hour2 = new Date(start + 2 * HOUR).toISOString().slice(11, 13);
    expect(events).toContain(`<title>${hour2}:00: received 2</title>`);
    expect(events).toContain(`<title>${hour2}:00: failed 1</title>`);

    const health = await pageHtml("/admin/health", cookie);
    expect(markers(health, "seeded-connection: attempts per hour by outcome", "transient")).toBe(24);
    // Two hours with finished calls: two points per percentile, the line broken in between.
    expect(markers(health, "seeded-connection: call time per hour", "p50")).toBe(2);
    expect(markers(health, "seeded-connection: call time per hour", "p95")).toBe(2);
    // Failures and queue depth per connection.
    const row = health.slice(health.indexOf('<tr id="connection-seeded-connection">'));
    expect(row.slice(0, row.indexOf("</tr>"))).toMatch(/<span class="failed-count">1<\/span> of 2/);
    const demo = health.slice(health.indexOf(`<tr id="connection-${DEMO.ometria}">`));
    expect(demo.slice(0, demo.indexOf("</tr>"))).toMatch(
      /<span class="waiting">\d+<\/span> waiting, \d+ running/,
    );
    // The bridge's own route is listed but cannot be paused; Pause is a quiet button.
    const own = health.slice(health.indexOf('<tr id="route-hookbridge">'));
    expect(own.slice(0, own.indexOf("</tr>"))).not.toContain('action="/admin/pauses"');
    expect(health).toContain('<button type="submit" class="quiet">Pause</button>');
    expect(health).not.toContain('class="danger">Pause');
  });

  it("keeps the CSP as strict and loads no script on any page, refresh included", async () => {
    const cookie = await signIn();
    const id = await acceptedId(await deliver("kooomo", { ...orderCreated, id: `csp-${uuidv7()}` }));
    for (const path of ["/admin", "/admin/dead-letters", "/admin/health", `/admin/events/${id}`]) {
      const res = await dashboard(path, { cookie });
      expect(res.headers.get("content-security-policy"), path).toMatch(CSP);
      const html = await res.text();
      expect(html, path).not.toMatch(/<script|\son[a-z]+=|javascript:/i);
      expect(html, path).toContain('<meta http-equiv="refresh" content="60"/>');
      const off = await pageHtml(`${path}?refresh=off`, cookie);
      expect(off, path).not.toContain('http-equiv="refresh"');
      expect(off, path).toContain("Refresh is off · turn on");
    }
  });
});
