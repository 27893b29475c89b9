import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { getDelivery } from "../../src/store/deliveries";
import { listDeadDeliveries } from "../../src/store/delivery-resets";
import { getEvent } from "../../src/store/events";
import { getPause } from "../../src/store/pauses";
import orderCreated from "../fixtures/kooomo/order-created.json";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import unknownKooomo from "../fixtures/kooomo/unknown-event.json";
import customerUpdated from "../fixtures/ometria/customer-updated.json";
import { deliveriesWhen, drive, finished } from "../support/admin";
import {
  cookiesFrom,
  type DashboardRequest,
  dashboard,
  pageHtml,
  signIn,
  unescapeAttribute,
} from "../support/dashboard";
import { acceptedId, deliver } from "../support/deliveries";
import { DEMO, injectFault, resetEmulator, setEmulatorSettings } from "../support/emulator";

beforeEach(resetEmulator);

const ADMIN_TOKEN = env.ADMIN_TOKEN as string;
const deliveryOf = (eventId: string) => `${eventId}:orders-to-ometria`;
const retryPath = (deliveryId: string) => `/admin/deliveries/${encodeURIComponent(deliveryId)}/retry`;

/** Kooomo orders whose only reaction (Ometria) was answered 400: one dead delivery each. */
async function deadOrders(count: number): Promise<string[]> {
  await injectFault({ match: { connectionId: DEMO.ometria }, status: 400, times: count });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = await acceptedId(await deliver("kooomo", orderCreated));
    await drive(id);
    ids.push(id);
  }
  for (const id of ids) await deliveriesWhen(id, (d) => d.status === "dead", "the delivery to die");
  return ids;
}

/**
 * Paid orders whose stamp call Coupontools refused (400): one dead paid-order-stamps delivery each, ids
 * returned. The first is then made what a lost answer leaves (the engine's outcome_unknown, driven end to
 * end in retry.test.ts).
 */
async function deadStamps(count: number): Promise<string[]> {
  await injectFault({ match: { pathPrefix: "/v3/loyaltyusers/update" }, status: 400, times: count });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = await acceptedId(await deliver("kooomo", orderPaid));
    await drive(id);
    await deliveriesWhen(id, finished);
    ids.push(`${id}:paid-order-stamps`);
  }
  await env.DB.prepare("UPDATE deliveries SET last_error_code = 'outcome_unknown' WHERE id = ?1")
    .bind(ids[0])
    .run();
  return ids;
}

/** The form of the page whose action is `path`, as HTML. */
function formFor(html: string, path: string): string {
  const start = html.lastIndexOf("<form", html.indexOf(`action="${path}"`));
  expect(start, `a form posting to ${path}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf("</form>", start));
}

/** Posts a dashboard form with the session and follows the redirect: the page's HTML and where it went. */
async function submit(path: string, form: Record<string, string>, cookie: string) {
  const res = await dashboard(path, { form, cookie });
  expect(res.status, await res.clone().text()).toBe(303);
  const location = res.headers.get("location") ?? "";
  // The outcome travels in a flash cookie set by the redirect.
  const html = await pageHtml(location, [cookie, cookiesFrom(res)].join("; "));
  return { location, html };
}

describe("dashboard login", () => {
  it("sends a signed-out browser to the login form, then back to the page it asked for", async () => {
    const first = await dashboard("/admin/dead-letters?route=kooomo");
    expect(first.status).toBe(303);
    const login = first.headers.get("location") ?? "";
    expect(login).toBe(`/admin/login?next=${encodeURIComponent("/admin/dead-letters?route=kooomo")}`);

    const form = await dashboard(login);
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('name="next" value="/admin/dead-letters?route=kooomo"');
    expect(html).toContain('type="password" name="token"');

    const res = await dashboard("/admin/login", {
      form: { token: ADMIN_TOKEN, next: "/admin/dead-letters?route=kooomo" },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/dead-letters?route=kooomo");
    const cookie = cookiesFrom(res);
    expect(await pageHtml("/admin/dead-letters?route=kooomo", cookie)).toContain("<h1>Dead letters</h1>");
  });

  it("sets an HttpOnly, Secure, SameSite=Strict session cookie scoped to /admin that is not the token", async () => {
    const res = await dashboard("/admin/login", { form: { token: ADMIN_TOKEN } });
    const [line = ""] = res.headers.getSetCookie();
    expect(line).toMatch(
      /^hookbridge_session=[^;]+; Max-Age=43200; Path=\/admin; HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(line).not.toContain(ADMIN_TOKEN);
    expect(decodeURIComponent(line)).not.toContain(ADMIN_TOKEN);
  });

  it("leaves out Secure only on plain http to this machine (npm start)", async () => {
    for (const [base, secure] of [
      ["http://localhost:8787", false],
      ["http://127.0.0.1:8787", false],
      ["http://bridge.example", true],
    ] as const) {
      const res = await dashboard("/admin/login", { base, form: { token: ADMIN_TOKEN } });
      expect(res.status).toBe(303);
      expect(res.headers.getSetCookie()[0]?.includes("; Secure"), base).toBe(secure);
    }
  });

  it("refuses a wrong token with 401, says so and sets no cookie", async () => {
    for (const token of ["not-the-token", `${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1), ""]) {
      const res = await dashboard("/admin/login", { form: { token } });
      expect(res.status).toBe(401);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await res.text()).toContain("That is not the admin token.");
    }
  });

  it("never redirects a login to another site", async () => {
    for (const next of [
      "https://evil.example/",
      "//evil.example/admin",
      "/administrator",
      "javascript:alert(1)",
    ]) {
      const res = await dashboard("/admin/login", { form: { token: ADMIN_TOKEN, next } });
      expect(res.headers.get("location"), next).toBe("/admin");
    }
  });

  it("does not take a tampered cookie, or one signed under another admin token, as a session", async () => {
    const cookie = await signIn();
    const [name, value = ""] = cookie.split("=");
    const decoded = decodeURIComponent(value);
    // A later expiry with the original signature.
    const forged = `${name}=${encodeURIComponent(decoded.replace(/^\d+/, (ms) => String(Number(ms) + 1)))}`;
    const res = await dashboard("/admin", { cookie: forged });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(/^\/admin\/login/);

    // After the token is rotated, sessions signed with the old one end.
    const rotated = { ...env, ADMIN_TOKEN: `${ADMIN_TOKEN}-rotated` };
    const old = await dashboard("/admin", { cookie, bindings: rotated });
    expect(old.status).toBe(303);
    const fresh = await dashboard("/admin", { cookie: await signIn(), bindings: env });
    expect(fresh.status).toBe(200);
  });

  it("logs out by clearing the cookie", async () => {
    const cookie = await signIn();
    const res = await dashboard("/admin/logout", { form: {}, cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/login");
    expect(res.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^hookbridge_session=; Max-Age=0; Path=\/admin/),
    ]);
  });

  it("does not exist when ADMIN_TOKEN is unset: the same JSON 404 as any unknown path", async () => {
    const { ADMIN_TOKEN: _unset, ...withoutToken } = env;
    for (const [path, init] of [
      ["/admin", {}],
      ["/admin/login", {}],
      ["/admin/health", {}],
      ["/admin/login", { form: { token: ADMIN_TOKEN } }],
    ] as [string, DashboardRequest][]) {
      const res = await dashboard(path, { ...init, bindings: withoutToken });
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: { code: "not_found", message: "No such endpoint." } });
    }
  });

  it("keeps the JSON API on its bearer token: the session cookie does not open it", async () => {
    const cookie = await signIn();
    const res = await dashboard("/admin/api/stats", { cookie });
    expect(res.status).toBe(401);
    const ok = await dashboard("/admin/api/stats", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^application\/json/);
  });
});

describe("dashboard pages", () => {
  it("answer 200 with the session: HTML without any script, not cacheable, not frameable", async () => {
    const cookie = await signIn();
    for (const path of ["/admin", "/admin/dead-letters", "/admin/health"]) {
      const res = await dashboard(path, { cookie });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("content-security-policy")).toMatch(
        /default-src 'none'.*frame-ancestors 'none'/,
      );
      const html = await res.text();
      expect(html).toMatch(/^<!doctype html><html lang="en">/);
      expect(html).not.toContain("<script");
    }
  });

  it("shows the header figures, the events and their statuses", async () => {
    const [dead = ""] = await deadOrders(1);
    const cookie = await signIn();
    const html = await pageHtml("/admin", cookie);
    expect(html).toMatch(/Dead letters<\/div><div class="value bad"><a href="\/admin\/dead-letters">1<\/a>/);
    expect(html).toContain(`href="/admin/events/${dead}">order.created</a>`);
    expect(html).toContain('<span class="badge bad">failed</span>');
  });

  it("filters by route and status, and pages with cursor links that keep the filters", async () => {
    const ometria: string[] = [];
    for (const n of [1, 2, 3]) {
      ometria.push(await acceptedId(await deliver("ometria", { ...customerUpdated, id: `update-${n}` })));
    }
    const kooomo = await acceptedId(await deliver("kooomo", unknownKooomo));
    const cookie = await signIn();
    const eventLinks = (html: string) =>
      [...html.matchAll(/href="\/admin\/events\/([^"]+)">/g)].map((m) => m[1]);

    const first = await pageHtml("/admin?route=ometria&limit=2", cookie);
    // Newest first; the kooomo event is filtered out.
    expect(eventLinks(first)).toEqual([ometria[2], ometria[1]]);
    const older = /href="([^"]*cursor=[^"]*)">Older events/.exec(first)?.[1];
    expect(older).toBeDefined();
    const next = unescapeAttribute(older ?? "");
    expect(next).toMatch(/^\/admin\?route=ometria&limit=2&cursor=/);
    const second = await pageHtml(next, cookie);
    expect(eventLinks(second)).toEqual([ometria[0]]);
    expect(second).not.toContain("Older events");
    expect(second).toContain('href="/admin?route=ometria&amp;limit=2">← Newest</a>');

    const unrecognized = await pageHtml("/admin?status=unrecognized", cookie);
    expect(eventLinks(unrecognized)).toEqual([kooomo]);
    expect(unrecognized).toContain('<option value="unrecognized" selected="">unrecognized</option>');
  });

  it("answers a broken filter or cursor with a 400 page naming the problem", async () => {
    const cookie = await signIn();
    const status = await dashboard("/admin?status=bogus", { cookie });
    expect(status.status).toBe(400);
    expect(await status.text()).toContain("Invalid query string.");
    const cursor = await dashboard("/admin?cursor=not-a-cursor", { cookie });
    expect(cursor.status).toBe(400);
    expect(await cursor.text()).toContain("This page link is broken.");
  });

  it("shows an event with its deliveries, attempts, replay form and a Retry button for the dead delivery", async () => {
    const [eventId = ""] = await deadOrders(1);
    const html = await pageHtml(`/admin/events/${eventId}`, await signIn());
    expect(html).toContain(`action="/admin/events/${eventId}/replay"`);
    expect(html).toContain(`action="${retryPath(deliveryOf(eventId))}"`);
    expect(html).toContain('<h3>orders-to-ometria</h3><span class="badge bad">dead</span>');
    // The attempt: number, outcome, error code, response status and the Membrane path called.
    expect(html).toMatch(
      /<td>1<\/td><td><time[^>]*>[^<]+<\/time><\/td><td><span class="badge bad">permanent<\/span>/,
    );
    expect(html).toContain("<td>400</td>");
    expect(html).toMatch(/POST \/[^<]*push/);
    // The CloudEvent, pretty-printed.
    expect(html).toContain(`&quot;id&quot;: &quot;${eventId}&quot;`);
  });

  it("answers an unknown event with a 404 page that says so, escaping the id", async () => {
    const res = await dashboard(`/admin/events/${encodeURIComponent("<b>nope</b>")}`, {
      cookie: await signIn(),
    });
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain("<h1>Not found</h1>");
    expect(html).toContain("No event with id &quot;&lt;b&gt;nope&lt;/b&gt;&quot;.");
    expect(html).not.toContain("<b>nope");
  });

  it("escapes payload data everywhere it is shown", async () => {
    const script = "<script>alert(document.cookie)</script>";
    // In a product's sku (shown as it is) and in the customer's name (masked on the event page).
    const order = {
      ...orderCreated,
      data: {
        ...orderCreated.data,
        customer: { ...orderCreated.data.customer, first_name: script },
        items: [{ ...orderCreated.data.items[0], sku: "<script>alert(1)</script>" }],
      },
    };
    const id = await acceptedId(await deliver("kooomo", order));
    const unknown = await acceptedId(await deliver("kooomo", { ...unknownKooomo, event: script }));
    const cookie = await signIn();

    const event = await pageHtml(`/admin/events/${id}`, cookie);
    expect(event).toContain("&quot;sku&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;");
    expect(event).toContain("&quot;first_name&quot;: &quot;***&quot;");
    const list = await pageHtml("/admin", cookie);
    expect(list).toContain(`<a href="/admin/events/${unknown}">hookbridge.unrecognized</a>`);
    expect(list).toContain("&lt;script&gt;alert(document.cookie)&lt;/script&gt;");
    for (const html of [event, list, await pageHtml(`/admin/events/${unknown}`, cookie)]) {
      expect(html).not.toContain("<script");
    }
    // Let the order's reaction finish here, not during a later test.
    await deliveriesWhen(id, finished);
  });
});

describe("dashboard actions", () => {
  it("retries a dead delivery from its event page and comes back with the outcome", async () => {
    const [eventId = ""] = await deadOrders(1);
    const cookie = await signIn();
    const { location, html } = await submit(
      retryPath(deliveryOf(eventId)),
      { return_to: `/admin/events/${eventId}` },
      cookie,
    );
    expect(location).toBe(`/admin/events/${eventId}`);
    expect(html).toContain(
      '<div class="flash ok" role="status">Retry of &quot;orders-to-ometria&quot; queued.</div>',
    );
    expect((await getEvent(env.DB, eventId))?.status).not.toBe("failed");

    await drive(eventId);
    expect(await deliveriesWhen(eventId, finished)).toMatchObject([{ status: "succeeded", attempts: 2 }]);
    const after = await pageHtml(`/admin/events/${eventId}`, cookie);
    expect(after).toContain('<h3>orders-to-ometria</h3><span class="badge ok">succeeded</span>');
    // The message was shown once.
    expect(after).not.toContain("flash ok");
  });

  it("shows why an action was refused on the page it came from", async () => {
    const cookie = await signIn();
    const { location, html } = await submit(
      retryPath("no-such-delivery"),
      { return_to: "/admin/dead-letters" },
      cookie,
    );
    expect(location).toBe("/admin/dead-letters");
    expect(html).toContain(
      '<div class="flash error" role="alert">No delivery with id &quot;no-such-delivery&quot;.</div>',
    );
  });

  it("redirects only within the dashboard, whatever return_to says", async () => {
    const cookie = await signIn();
    for (const returnTo of [
      "https://evil.example/admin",
      "//evil.example",
      "/webhooks/kooomo",
      "/admin/\\evil.example",
      "/admin/\r\nset-cookie: x=1",
    ]) {
      const res = await dashboard(retryPath("no-such-delivery"), { form: { return_to: returnTo }, cookie });
      expect(res.headers.get("location"), returnTo).toBe("/admin");
    }
  });

  it("refuses a cross-site form with 403 and leaves the delivery as it was", async () => {
    const [eventId = ""] = await deadOrders(1);
    const cookie = await signIn();
    const id = deliveryOf(eventId);
    for (const init of [
      { origin: "https://evil.example" },
      { origin: null, headers: { "sec-fetch-site": "cross-site" } },
      { origin: null },
    ] satisfies DashboardRequest[]) {
      const res = await dashboard(retryPath(id), { ...init, form: { return_to: "/admin" }, cookie });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("This form was sent from another site and was refused.");
    }
    const refusedLogin = await dashboard("/admin/login", {
      origin: "https://evil.example",
      form: { token: ADMIN_TOKEN },
    });
    expect(refusedLogin.status).toBe(403);
    expect(refusedLogin.headers.getSetCookie()).toEqual([]);
    expect((await getDelivery(env.DB, id))?.status).toBe("dead");

    // The same form from the dashboard's own page goes through.
    const res = await dashboard(retryPath(id), {
      origin: null,
      headers: { "sec-fetch-site": "same-origin" },
      form: { return_to: "/admin" },
      cookie,
    });
    expect(res.status).toBe(303);
    expect((await getDelivery(env.DB, id))?.status).not.toBe("dead");
    await deliveriesWhen(eventId, finished);
  });

  it("refuses an action without a session with 401 and does nothing", async () => {
    const [eventId = ""] = await deadOrders(1);
    const res = await dashboard(retryPath(deliveryOf(eventId)), { form: { return_to: "/admin" } });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("Your session has ended.");
    expect((await getDelivery(env.DB, deliveryOf(eventId)))?.status).toBe("dead");
  });

  it("lists dead letters with their reason and retries all shown, saying how many", async () => {
    await deadOrders(2);
    // Earlier tests of this file left dead deliveries too: the page shows them all.
    const dead = await listDeadDeliveries(env.DB, { route: "kooomo" }, 100);
    expect(dead.length).toBeGreaterThanOrEqual(2);
    const cookie = await signIn();
    const html = await pageHtml("/admin/dead-letters?route=kooomo", cookie);
    for (const id of dead) expect(html).toContain(`action="${retryPath(id)}"`);
    expect(html).toContain(`Retry all ${dead.length} shown`);
    expect(html).toContain(`name="limit" value="${dead.length}"`);
    expect(html).toContain("<code>bad_request</code>");

    const { html: after } = await submit(
      "/admin/dead-letters/retry",
      {
        route: "kooomo",
        reaction: "",
        limit: String(dead.length),
        return_to: "/admin/dead-letters?route=kooomo",
      },
      cookie,
    );
    expect(after).toContain(`${dead.length} dead deliveries queued again.`);
    expect(after).toContain("No dead deliveries match.");
    for (const id of dead) expect((await getDelivery(env.DB, id))?.status).not.toBe("dead");
    for (const id of dead) await deliveriesWhen(id.slice(0, id.indexOf(":")), finished);
  });

  it("bounds the bulk retry to what a page shows", async () => {
    const cookie = await signIn();
    const res = await dashboard("/admin/dead-letters/retry", {
      form: { limit: "100000", return_to: "/admin/dead-letters" },
      cookie,
    });
    const html = await pageHtml(res.headers.get("location") ?? "", [cookie, cookiesFrom(res)].join("; "));
    expect(html).toContain("Invalid form.");
    expect(html).toContain("limit: Too big");
  });

  it("replays a failed event", async () => {
    const [eventId = ""] = await deadOrders(1);
    const { html } = await submit(
      `/admin/events/${eventId}/replay`,
      { return_to: `/admin/events/${eventId}` },
      await signIn(),
    );
    expect(html).toContain(
      "Replay queued: 1 delivery restarted, 0 succeeded left alone, 0 already in progress.",
    );
    await drive(eventId);
    expect(await deliveriesWhen(eventId, finished)).toMatchObject([{ status: "succeeded" }]);
  });

  it("marks dead letters whose outcome is unknown, asks for a vendor check, and leaves them out of Retry all", async () => {
    const [unknown = "", known = ""] = await deadStamps(2);
    const cookie = await signIn();
    const page = "/admin/dead-letters?reaction=paid-order-stamps";
    const html = await pageHtml(page, cookie);
    expect(html.split("outcome unknown: check the vendor first")).toHaveLength(2);
    expect(formFor(html, retryPath(unknown))).toContain(
      '<input type="checkbox" name="force"/> I checked the vendor; retry anyway',
    );
    expect(formFor(html, retryPath(known))).not.toContain('name="force"');
    expect(html).toContain("1 delivery with an unknown outcome not included");
    expect(formFor(html, "/admin/dead-letters/retry")).toContain('name="limit" value="1"');
    expect(html).toContain("Retry all 1 shown");

    const { html: after } = await submit(
      "/admin/dead-letters/retry",
      { route: "", reaction: "paid-order-stamps", limit: "1", return_to: page },
      cookie,
    );
    expect(after).toContain(
      "1 dead delivery queued again. 1 delivery with an unknown outcome left out: check the vendor, then retry each one.",
    );
    expect((await getDelivery(env.DB, unknown))?.status).toBe("dead");
    expect((await getDelivery(env.DB, known))?.status).not.toBe("dead");
    // Only the delivery with an unknown outcome is left: nothing for Retry all.
    expect(after).toContain(`action="${retryPath(unknown)}"`);
    expect(after).not.toContain('action="/admin/dead-letters/retry"');

    // Ticked, the same form retries it (and leaves no dead delivery behind for other tests).
    await submit(retryPath(unknown), { force: "on", return_to: page }, cookie);
    await deliveriesWhen(unknown.slice(0, unknown.indexOf(":")), finished);
    expect(await getDelivery(env.DB, unknown)).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  it("retries a delivery whose outcome is unknown only once the operator confirms checking the vendor", async () => {
    const [id = ""] = await deadStamps(1);
    const eventId = id.slice(0, id.indexOf(":"));
    const here = `/admin/events/${eventId}`;
    const cookie = await signIn();
    expect(formFor(await pageHtml(here, cookie), retryPath(id))).toContain(
      "I checked the vendor; retry anyway",
    );

    const refused = await submit(retryPath(id), { return_to: here }, cookie);
    expect(refused.html).toMatch(
      /<div class="flash error" role="alert">Its last call may have reached the vendor[^<]*Check the vendor first/,
    );
    const replayed = await submit(`${here}/replay`, { return_to: here }, cookie);
    expect(replayed.html).toContain("1 with an unknown outcome left alone (check the vendor first)");
    expect((await drive(eventId)).get("paid-order-stamps")).toEqual({ step: "finished" });
    expect(await getDelivery(env.DB, id)).toMatchObject({ status: "dead", attempts: 1 });

    const { html } = await submit(retryPath(id), { force: "on", return_to: here }, cookie);
    expect(html).toContain(
      '<div class="flash ok" role="status">Retry of &quot;paid-order-stamps&quot; queued.</div>',
    );
    await drive(eventId);
    expect(await deliveriesWhen(eventId, finished)).toMatchObject([
      { reaction: "orders-to-ometria", status: "succeeded" },
      { reaction: "paid-order-stamps", status: "succeeded", attempts: 2 },
    ]);
  });

  it("pauses and resumes a connection from the health page", async () => {
    const cookie = await signIn();
    const target = { kind: "connection", name: DEMO.ometria, return_to: "/admin/health" };
    const paused = await submit("/admin/pauses", target, cookie);
    expect(paused.html).toContain(`Paused connection &quot;${DEMO.ometria}&quot;.`);
    expect(paused.html).toMatch(
      new RegExp(
        `${DEMO.ometria}</td><td><span class="badge wait">paused</span>[\\s\\S]*?action="/admin/pauses/resume"`,
      ),
    );
    expect(await getPause(env.DB, "connection", DEMO.ometria)).not.toBeNull();

    const resumed = await submit("/admin/pauses/resume", target, cookie);
    expect(resumed.html).toContain(
      `Resumed connection &quot;${DEMO.ometria}&quot;: 0 waiting deliveries queued.`,
    );
    expect(await getPause(env.DB, "connection", DEMO.ometria)).toBeNull();

    const unknown = await submit("/admin/pauses", { ...target, name: "no-such-connection" }, cookie);
    expect(unknown.html).toContain(
      "No connection named &quot;no-such-connection&quot; in the configuration.",
    );
  });

  it("shows the configuration checked against Membrane on the health page, and checks again on demand", async () => {
    const cookie = await signIn();
    // The page never calls Membrane itself: until a check ran, it says so and offers one.
    const never = await pageHtml("/admin/health", cookie);
    expect(never).toContain("<h2>Checked against Membrane</h2>");
    expect(never).toContain("Not checked yet.");
    const first = await submit("/admin/preflight", { return_to: "/admin/health" }, cookie);
    expect(first.html).toMatch(/Checked against Membrane: \d+ checks passed\./);
    expect(first.html).toContain("Every check passed");
    expect(first.html).toContain("action add_stamps (add-stamps-to-loyalty-card) on order.paid");

    await setEmulatorSettings({ actionInputRenames: { "add-stamps-to-loyalty-card": { stamps: "amount" } } });
    const again = await submit("/admin/preflight", { return_to: "/admin/health" }, cookie);
    expect(again.html).toContain("Checked against Membrane: 1 check failed (below).");
    expect(again.html).toContain("Some checks failed");
    expect(again.html).toContain(
      "options.actions.add_stamps, e.g. { rename = { stamps = &quot;amount&quot; } }",
    );
  });
});
