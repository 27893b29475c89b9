import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app";
import kooomoOrderPaid from "./fixtures/kooomo/order-paid.json";
import { countEvents, secrets, standardWebhookHeaders } from "./support/deliveries";

// Configuration problems met while answering a request: the sender learns that something is wrong on the
// bridge's side (500, a stable code, a request id), never what; the operator finds the detail in the log.

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  for (const level of ["log", "warn", "error"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
  }
});
afterEach(() => vi.restoreAllMocks());

interface ServerError {
  error: { code: string; message: string; request_id: string };
}

async function signedKooomo(bindings: object): Promise<Response> {
  const body = JSON.stringify(kooomoOrderPaid);
  const headers = await standardWebhookHeaders(secrets.kooomo, `msg_${crypto.randomUUID()}`, body);
  return createApp().fetch(
    new Request("https://bridge.test/webhooks/kooomo", {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    }),
    bindings,
  );
}

/** A 500 answer that names no configuration detail, and the one log line that does, under its request id. */
async function expectGenericConfigError(res: Response, detail: RegExp): Promise<void> {
  const text = await res.text();
  expect(res.status).toBe(500);
  const body = JSON.parse(text) as ServerError;
  expect(body.error).toEqual({
    code: "config_invalid",
    message: expect.stringContaining("configuration"),
    request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
  });
  expect(text).not.toMatch(detail);
  const logged = lines.filter((line) => line.includes(body.error.request_id));
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatch(detail);
}

describe("configuration errors reach the log, not the sender", () => {
  it("does not name the unset secrets of a route", async () => {
    const { KOOOMO_WEBHOOK_SECRET: _a, KOOOMO_WEBHOOK_SECRET_PREVIOUS: _b, ...unset } = env;
    const before = await countEvents();
    const res = await signedKooomo(unset);
    await expectGenericConfigError(res, /KOOOMO_WEBHOOK_SECRET/);
    expect(await countEvents()).toBe(before);
  });

  it("does not describe a broken route configuration", async () => {
    const broken = { ...env, ROUTES: { kooomo: { vendor: "no-such-vendor", secrets: [] } } };
    await expectGenericConfigError(await signedKooomo(broken), /no-such-vendor|routes\.kooomo/);
  });

  it("does not describe a broken reaction configuration", async () => {
    const broken = { ...env, REACTIONS: { "stamps-x": { recipe: "no.such-recipe", connection: "c" } } };
    await expectGenericConfigError(await signedKooomo(broken), /no\.such-recipe|stamps-x/);
  });

  it("answers an unexpected failure the same way: a code, a generic message, a request id", async () => {
    const res = await signedKooomo({ ...env, DB: undefined });
    const text = await res.text();
    expect(res.status).toBeGreaterThanOrEqual(500);
    const body = JSON.parse(text) as ServerError;
    expect(body.error.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(text).not.toMatch(/TypeError|undefined|prepare/);
    expect(lines.some((line) => line.includes(body.error.request_id))).toBe(true);
  });
});

describe("an ADMIN_TOKEN that start-up refuses, should it reach a request", () => {
  it("opens neither the API nor the dashboard, and the answer does not say why", async () => {
    const short = "s".repeat(31);
    const bindings = { ...env, ADMIN_TOKEN: short };
    for (const request of [
      new Request("https://bridge.test/admin/api/stats", { headers: { authorization: `Bearer ${short}` } }),
      new Request("https://bridge.test/admin/login"),
      new Request("https://bridge.test/admin/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://bridge.test" },
        body: new URLSearchParams({ token: short }).toString(),
      }),
    ]) {
      await expectGenericConfigError(await createApp().fetch(request, bindings), /ADMIN_TOKEN/);
    }
  });
});
