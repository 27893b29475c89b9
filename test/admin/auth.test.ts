import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ADMIN_TOKEN, admin, expectError } from "../support/admin";

describe("admin API authentication", () => {
  it("answers 401 with the JSON error shape and a Bearer challenge when the token is missing", async () => {
    const res = await admin("/stats", { token: null });
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
    await expectError(res, 401, "unauthorized");
  });

  it.each([
    ["a wrong token", { authorization: "Bearer not-the-admin-token" }],
    ["the token with a suffix", { authorization: `Bearer ${ADMIN_TOKEN}x` }],
    ["a prefix of the token", { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }],
    ["another scheme", { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` }],
    ["the bare token", { authorization: ADMIN_TOKEN }],
  ])("refuses %s", async (_what, headers) => {
    const res = await createApp().fetch(new Request("https://bridge.test/admin/api/stats", { headers }), env);
    await expectError(res, 401, "unauthorized");
  });

  it("accepts the right token, whatever the case of the scheme", async () => {
    expect((await admin("/stats")).status).toBe(200);
    const res = await createApp().fetch(
      new Request("https://bridge.test/admin/api/stats", {
        headers: { authorization: `bearer ${ADMIN_TOKEN}` },
      }),
      env,
    );
    expect(res.status).toBe(200);
  });

  it("checks the token before routing, so unknown admin paths reveal nothing without it", async () => {
    await expectError(await admin("/no-such-thing", { token: null }), 401, "unauthorized");
    await expectError(await admin("/no-such-thing"), 404, "not_found");
  });

  it("does not exist at all when ADMIN_TOKEN is not set", async () => {
    const { ADMIN_TOKEN: _unset, ...withoutToken } = env;
    const app = createApp();
    for (const [path, method] of [
      ["/admin/api/stats", "GET"],
      ["/admin/api/openapi.json", "GET"],
      ["/admin/api/deliveries/retry", "POST"],
    ] as const) {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request(`https://bridge.test${path}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        }),
        withoutToken,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      await expectError(res, 404, "not_found");
    }
  });
});
