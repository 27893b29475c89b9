import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ADMIN_TOKEN, expectError } from "../support/admin";
import { ORIGIN } from "../support/dashboard";

// Failed admin-token attempts are throttled per client IP (cf-connecting-ip), through the worker's own fetch
// and the real AuthThrottle Durable Object. Every test uses fresh client addresses.

/** Four random hex digits: one 16-bit group. */
const group = () => crypto.randomUUID().slice(0, 4);
/** An address in a /64 of its own (clients are counted per /64). */
const newClient = () => `2001:db8:${group()}:${group()}::1`;

async function api(client: string, token: string, bindings?: object): Promise<Response> {
  const request = new Request("https://bridge.test/admin/api/stats", {
    headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": client },
  });
  return bindings ? createApp().fetch(request, bindings) : exports.default.fetch(request);
}

function login(client: string, token: string): Promise<Response> {
  return exports.default.fetch(
    new Request(`${ORIGIN}/admin/login`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: ORIGIN,
        "cf-connecting-ip": client,
      },
      body: new URLSearchParams({ token, next: "/admin" }).toString(),
    }),
  );
}

const WRONG = "a-wrong-admin-token-that-is-long-enough";

async function failTimes(n: number, client: string, bindings?: object): Promise<void> {
  for (let i = 0; i < n; i++) await expectError(await api(client, WRONG, bindings), 401, "unauthorized");
}

describe("throttling failed admin attempts", () => {
  it("answers the 11th attempt after 10 failures 429 with Retry-After, even with the right token", async () => {
    const client = newClient();
    await failTimes(10, client);
    for (const token of [WRONG, ADMIN_TOKEN]) {
      const res = await api(client, token);
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(290);
      expect(retryAfter).toBeLessThanOrEqual(300);
      const error = await expectError(res, 429, "too_many_attempts");
      expect(error.message).toContain(`${retryAfter} s`);
    }
  });

  it("does not block another client, whose right token is still accepted", async () => {
    const attacker = newClient();
    await failTimes(10, attacker);
    expect((await api(attacker, ADMIN_TOKEN)).status).toBe(429);
    const operator = newClient();
    expect((await api(operator, ADMIN_TOKEN)).status).toBe(200);
    await expectError(await api(operator, WRONG), 401, "unauthorized");
  });

  it("does not count successful attempts", async () => {
    const client = newClient();
    await failTimes(9, client);
    for (let i = 0; i < 5; i++) expect((await api(client, ADMIN_TOKEN)).status).toBe(200);
    await failTimes(1, client);
    expect((await api(client, ADMIN_TOKEN)).status).toBe(429);
  });

  it("lets the client in again once the window has passed (a 2 s window configured)", async () => {
    const bindings = { ...env, ADMIN_THROTTLE: { max_failures: 2, window_seconds: 2 } };
    const client = newClient();
    await failTimes(2, client, bindings);
    const blocked = await api(client, ADMIN_TOKEN, bindings);
    expect(blocked.status).toBe(429);
    expect(["1", "2"]).toContain(blocked.headers.get("retry-after"));
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await api(client, ADMIN_TOKEN, bindings)).status).toBe(200);
  });

  it("counts an IPv6 client per /64: 10 addresses of one /64 block an 11th of it, not another /64", async () => {
    const prefix = `2001:db8:${group()}:${group()}`;
    for (let i = 0; i < 10; i++) await failTimes(1, `${prefix}:${group()}:${group()}:${group()}:${group()}`);
    const sameBlock = await api(`${prefix.toUpperCase()}::abcd`, ADMIN_TOKEN);
    expect(sameBlock.status).toBe(429);
    await expectError(sameBlock, 429, "too_many_attempts");
    expect((await api(`2001:db8:${group()}:${group()}::1`, ADMIN_TOKEN)).status).toBe(200);
  });

  it("counts IPv4 per address, and an IPv4-mapped IPv6 address as that IPv4 address", async () => {
    const octet = () => Math.floor(Math.random() * 256);
    const [a, b, c] = [octet(), octet(), octet()];
    await failTimes(5, `10.${a}.${b}.${c}`);
    await failTimes(5, `::ffff:10.${a}.${b}.${c}`);
    const mapped = await api(`10.${a}.${b}.${c}`, ADMIN_TOKEN);
    expect(mapped.status).toBe(429);
    await expectError(mapped, 429, "too_many_attempts");
    expect((await api(`10.${a}.${b}.${(c + 1) % 256}`, ADMIN_TOKEN)).status).toBe(200);
  });

  it("throttles dashboard logins with the same count", async () => {
    const client = newClient();
    for (let i = 0; i < 5; i++) expect((await login(client, WRONG)).status).toBe(401);
    await failTimes(5, client);
    const res = await login(client, ADMIN_TOKEN);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await res.text()).toContain("Too many failed attempts");
    expect((await login(newClient(), ADMIN_TOKEN)).status).toBe(303);
  });
});
