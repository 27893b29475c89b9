import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { hasSession, SESSION_TTL_MS, startSession } from "../../../src/admin/dashboard/session";

const TOKEN = "session-test-token";
const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);

/** Issues and checks sessions at the clock the request names, so expiry is tested without waiting. */
const app = new Hono()
  .post("/start", async (c) => {
    await startSession(c, TOKEN, Number(c.req.query("now")));
    return c.body(null, 204);
  })
  .get("/check", async (c) => c.json(await hasSession(c, TOKEN, Number(c.req.query("now")))));

async function sessionCookie(now: number): Promise<string> {
  const res = await app.request(`https://bridge.test/start?now=${now}`, { method: "POST" });
  return res.headers.getSetCookie()[0]?.split(";")[0] ?? "";
}

async function valid(cookie: string, now: number): Promise<boolean> {
  const res = await app.request(`https://bridge.test/check?now=${now}`, { headers: { cookie } });
  return res.json();
}

describe("dashboard sessions", () => {
  it("last SESSION_TTL_MS from login, whatever the browser does with Max-Age", async () => {
    const cookie = await sessionCookie(T0);
    expect(await valid(cookie, T0)).toBe(true);
    expect(await valid(cookie, T0 + SESSION_TTL_MS - 1)).toBe(true);
    expect(await valid(cookie, T0 + SESSION_TTL_MS)).toBe(false);
  });

  it("refuse a cookie expiring further ahead than a login can give (a clock or a key gone wrong)", async () => {
    const cookie = await sessionCookie(T0 + 2 * SESSION_TTL_MS);
    expect(await valid(cookie, T0)).toBe(false);
  });

  it("need the signature: the bare expiry, or another cookie's signature, is not a session", async () => {
    const cookie = await sessionCookie(T0);
    const [name, value = ""] = cookie.split("=");
    const expiry = decodeURIComponent(value).split(".")[0];
    expect(await valid(`${name}=${expiry}`, T0)).toBe(false);
    const other = decodeURIComponent((await sessionCookie(T0 + 1)).split("=")[1] ?? "").split(".")[1];
    expect(await valid(`${name}=${encodeURIComponent(`${expiry}.${other}`)}`, T0)).toBe(false);
    expect(await valid("", T0)).toBe(false);
  });
});
