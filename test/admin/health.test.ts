import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ADMIN_TOKEN, expectError } from "../support/admin";

async function healthz(headers: Record<string, string> = {}, bindings?: object): Promise<Response> {
  const request = new Request("https://bridge.test/healthz", { headers });
  return bindings ? createApp().fetch(request, bindings) : exports.default.fetch(request);
}

/** Each test its own client, so failed attempts elsewhere never throttle it. */
const client = () => ({ "cf-connecting-ip": `203.0.113.${Math.floor(Math.random() * 250)}` });
const asAdmin = () => ({ ...client(), authorization: `Bearer ${ADMIN_TOKEN}` });

describe("GET /healthz", () => {
  it("tells anyone only that the bridge is ok", async () => {
    const res = await healthz();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("lists the routes and reactions, and no problems, to the admin token", async () => {
    const res = await healthz(asAdmin());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ok",
      routes: ["kooomo", "ometria", "coupontools"],
      reactions: [
        "paid-order-stamps",
        "erasure-to-ometria",
        "coupon-events-to-ometria",
        "orders-to-ometria",
        "consenting-customers-to-directory",
        // wrangler.toml's declarative reaction (its alert reaction is left out of the tests' REACTIONS).
        "vip-coupon-by-email",
      ],
      problems: [],
    });
  });

  it("answers a wrong token 401, not the details", async () => {
    const res = await healthz({ ...client(), authorization: "Bearer not-the-admin-token-but-long-enough" });
    const text = await res.clone().text();
    await expectError(res, 401, "unauthorized");
    expect(text).not.toContain("kooomo");
  });

  it("says 503 not ok to anyone when a route's secret is unset, naming it only to the admin token", async () => {
    const { OMETRIA_WEBHOOK_TOKEN: _unset, ...broken } = env;
    const anonymous = await healthz({}, broken);
    expect(anonymous.status).toBe(503);
    expect(await anonymous.text()).toBe(JSON.stringify({ status: "error" }));

    const detailed = await healthz(asAdmin(), broken);
    expect(detailed.status).toBe(503);
    expect(await detailed.json()).toMatchObject({
      status: "error",
      problems: ["routes.ometria.secrets: none of OMETRIA_WEBHOOK_TOKEN is set"],
    });
  });

  it("says 503 not ok for a broken route table, with the problem for the admin token only", async () => {
    const broken = { ...env, ROUTES: { kooomo: { vendor: "no-such-vendor" } } };
    const anonymous = await healthz({}, broken);
    expect(anonymous.status).toBe(503);
    expect(await anonymous.json()).toEqual({ status: "error" });
    const detailed = await healthz(asAdmin(), broken);
    const body = await detailed.json<{ problems: string[]; routes: string[] }>();
    expect(body.routes).toEqual([]);
    expect(body.problems.join(" ")).toMatch(/routes\.kooomo/);
  });

  it("gives no details when ADMIN_TOKEN is unset, whatever is sent", async () => {
    const { ADMIN_TOKEN: _unset, ...withoutToken } = env;
    const res = await healthz(asAdmin(), withoutToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});
