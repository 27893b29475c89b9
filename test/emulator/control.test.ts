import { beforeEach, describe, expect, it } from "vitest";
import {
  callEmulator,
  DEMO,
  EMULATOR_URL,
  emulatorFetch,
  emulatorState,
  injectFault,
  resetEmulator,
} from "../support/emulator";

beforeEach(resetEmulator);

const authorization = `Bearer ${DEMO.staticToken}`;
const list = (connectionId: string = DEMO.ometria) =>
  callEmulator(`/connections/${connectionId}/proxy/data-deletion-requests`, { authorization });

describe("fault injection", () => {
  it("consumes matching faults in order, each `times` times, then handles requests normally", async () => {
    await injectFault({ status: 503, times: 2, retryAfterSeconds: 3 });
    await injectFault({ status: 429 });

    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await list()).status);
    expect(statuses).toEqual([503, 503, 429, 200]);
    expect((await emulatorState()).faults).toEqual([]);
  });

  it("matches on method, path prefix (request or vendor path) and connection", async () => {
    await injectFault({
      match: { method: "post", pathPrefix: "/data-deletion-requests", connectionId: DEMO.ometria },
      status: 500,
    });

    expect((await list()).status).toBe(200); // GET: method differs
    const post = await callEmulator(`/connections/${DEMO.ometria}/proxy/data-deletion-requests`, {
      authorization,
      body: { email: "ada@example.com" },
    });
    expect(post.status).toBe(500);
    expect(await post.json()).toMatchObject({ type: "internal" });
  });

  it("sends the given body and headers, as a vendor would", async () => {
    const date = "Wed, 21 Oct 2026 07:28:00 GMT";
    await injectFault({
      status: 200,
      body: { status: { status: "ERROR", message: "Quota" } },
      headers: { "retry-after": date },
    });
    const res = await list();
    expect(res.status).toBe(200);
    expect(res.headers.get("retry-after")).toBe(date);
    expect(await res.json()).toEqual({ status: { status: "ERROR", message: "Quota" } });
  });

  it("applyThenFail applies the call, then answers the fault (proxy and inside an action)", async () => {
    await injectFault({ match: { pathPrefix: "/data-deletion-requests" }, status: 502, applyThenFail: true });
    const post = await callEmulator(`/connections/${DEMO.ometria}/proxy/data-deletion-requests`, {
      authorization,
      body: { email: "ada@example.com" },
    });
    expect(post.status).toBe(502);
    await injectFault({ match: { pathPrefix: "/data-deletion-requests" }, status: 503, applyThenFail: true });
    const act = await callEmulator("/act", {
      authorization,
      body: {
        key: "create-gdpr-deletion-request",
        connectionId: DEMO.ometria,
        input: { email: "bob@example.com" },
      },
    });
    expect(act.status).toBe(400);
    expect(await act.json()).toMatchObject({ type: "action_run", data: { response: { status: 503 } } });
    // Both calls took effect although their callers saw errors.
    expect((await emulatorState()).deletionRequests.map((r) => r.email)).toEqual([
      "ada@example.com",
      "bob@example.com",
    ]);
  });

  it("a fault with a rate fires on about that share of matching requests, using `times` only when it fires", async () => {
    await injectFault({ status: 503, rate: 0.5, times: 1000 });
    const statuses = [];
    for (let i = 0; i < 60; i++) statuses.push((await list()).status);
    const failed = statuses.filter((s) => s === 503).length;
    // 60 draws at p = 0.5: outside 10..50 has a probability below 1e-7.
    expect(failed).toBeGreaterThan(10);
    expect(failed).toBeLessThan(50);
    expect((await emulatorState()).faults[0]?.remaining).toBe(1000 - failed);
  });

  it("rejects a fault that would do nothing", async () => {
    const res = await emulatorFetch(`${EMULATOR_URL}/_emulator/faults`, {
      method: "POST",
      body: JSON.stringify({ times: 1 }),
    });
    expect(res.status).toBe(400);
  });

  it("applies a fault queued after requests that met none", async () => {
    expect((await list()).status).toBe(200);
    await injectFault({ status: 502 });
    expect((await list()).status).toBe(502);
    expect((await list()).status).toBe(200);
  });

  it("is checked after authentication, so a bad token is still a 401", async () => {
    await injectFault({ status: 500 });
    expect(
      (await callEmulator(`/connections/${DEMO.ometria}/proxy/x`, { authorization: "Bearer nope" })).status,
    ).toBe(401);
    expect((await list()).status).toBe(500);
  });
});

describe("state and reset", () => {
  it("logs an action's vendor calls, in order, before the action's own request", async () => {
    const run = await callEmulator("/act", {
      authorization,
      body: {
        key: "create-loyalty-card-user",
        connectionId: DEMO.coupontools,
        input: { loyaltyCardId: "card-1", email: "ada@example.com" },
      },
    });
    expect(run.status).toBe(200);
    await list();
    const requests = await emulatorState().then((s) => s.requests);
    expect(requests.map((r) => [r.method, r.path, r.vendorPath, r.action, r.status])).toEqual([
      ["POST", "(action)", "/v3/loyaltyusers/create", "create-loyalty-card-user", 200],
      ["POST", "(action)", "/v3/loyaltyusers/link", "create-loyalty-card-user", 200],
      ["POST", "/act", null, undefined, 200],
      [
        "GET",
        "/connections/ometria-demo/proxy/data-deletion-requests",
        "/data-deletion-requests",
        undefined,
        200,
      ],
    ]);
  });

  it("shows the newest 500 requests, oldest first", async () => {
    // Unauthenticated calls are answered 401 and logged like any other.
    for (let i = 0; i < 530; i++) await callEmulator(`/probe-${i}`);
    const paths = (await emulatorState()).requests.map((r) => r.path);
    expect(paths).toHaveLength(500);
    expect(paths[0]).toBe("/probe-30");
    expect(paths.at(-1)).toBe("/probe-529");
  });

  it("records each request and forgets everything on reset", async () => {
    await callEmulator(`/connections/${DEMO.ometria}/proxy/push`, {
      authorization,
      body: [{ "@type": "contact", id: "1" }],
    });
    await injectFault({ status: 500 });
    const before = await emulatorState();
    expect(before.requests).toMatchObject([
      { method: "POST", path: "/connections/ometria-demo/proxy/push", status: 200, fault: false },
    ]);
    expect(before.pushedRecords).toHaveLength(1);
    expect(before.faults).toHaveLength(1);

    await resetEmulator();
    const after = await emulatorState();
    expect(after).toEqual({
      loyaltyUsers: [],
      directoryUsers: [],
      deletionRequests: [],
      pushedRecords: [],
      forgedEvents: [],
      webhookEvents: [],
      faults: [],
      requests: [],
    });
  });
});
