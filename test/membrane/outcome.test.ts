import { beforeEach, describe, expect, it } from "vitest";
import { coupontoolsBodyCheck } from "../../src/membrane/body-checks";
import { MembraneClient } from "../../src/membrane/client";
import { type CallOutcome, classifyAnswer, parseRetryAfter } from "../../src/membrane/outcome";
import { StaticToken, WorkspaceTokenMinter } from "../../src/membrane/token";
import {
  DEMO,
  EMULATOR_URL,
  emulatorClient,
  emulatorFetch,
  emulatorState,
  injectFault,
  recordCoupontoolsWebhooks,
  recordedRequests,
  resetEmulator,
} from "../support/emulator";

beforeEach(resetEmulator);

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);
const listDeletions = { connectionId: DEMO.ometria, method: "GET", path: "/data-deletion-requests" } as const;

function expectKind<K extends CallOutcome["kind"]>(
  outcome: CallOutcome,
  kind: K,
): Extract<CallOutcome, { kind: K }> {
  expect(outcome.kind, JSON.stringify(outcome)).toBe(kind);
  return outcome as Extract<CallOutcome, { kind: K }>;
}

describe("success", () => {
  it("passes the vendor's 2xx body through, parsed, with a response summary", async () => {
    // The verification call confirms only webhooks the emulated account sent.
    await recordCoupontoolsWebhooks([
      { webhook: "evt_123", type: "coupon_validated", date: "2025-03-14 09:26:53" },
    ]);
    const outcome = await emulatorClient().proxy({
      connectionId: DEMO.coupontools,
      method: "POST",
      path: "/v3/webhook/verification",
      body: { webhook: "evt_123" },
      acceptBody: coupontoolsBodyCheck,
    });
    const success = expectKind(outcome, "success");
    expect(success).toMatchObject({
      status: 200,
      source: "vendor",
      body: { status: { status: "OK" }, result: "valid" },
    });
    expect(success.response).toMatchObject({ status: 200, contentType: "application/json" });
    expect(JSON.parse(success.response?.body ?? "")).toEqual(success.body);
  });
});

describe("Coupontools: its documented `failed` envelope", () => {
  const createUser = {
    connectionId: DEMO.coupontools,
    method: "POST",
    path: "/v3/loyaltyusers/create",
    body: { email: "ada@example.com" },
  } as const;

  it("is a permanent vendor refusal with Coupontools' text and error_code, when the call checks the body", async () => {
    const refused = expectKind(
      await emulatorClient().proxy({ ...createUser, acceptBody: coupontoolsBodyCheck }),
      "permanent",
    );
    expect(refused).toMatchObject({
      code: "vendor_rejected",
      status: 200,
      source: "vendor",
      vendorCode: "200",
    });
    expect(refused.reason).toBe(
      "The vendor refused: You need to provide a password. (Coupontools error_code 200)",
    );
  });

  it("is a success for a call that does not check the body", async () => {
    expectKind(await emulatorClient().proxy(createUser), "success");
  });

  it("keeps the text and code on a non-2xx answer too, and reads a scalar error_code", () => {
    // docs.coupontools.com authentication: `error_code` is a scalar in the auth failure example.
    const auth = {
      status: {
        status: "failed",
        errors: {
          error_code: 1000,
          error_message: "HTTP/1.0 401 Unauthorized. Client ID or Secret not correct.",
        },
      },
    };
    expect(coupontoolsBodyCheck(auth)).toEqual({
      reason: "HTTP/1.0 401 Unauthorized. Client ID or Secret not correct. (Coupontools error_code 1000)",
      vendorCode: "1000",
    });
    expect(coupontoolsBodyCheck({ status: { status: "OK" }, users: [] })).toBeNull();
    expect(coupontoolsBodyCheck({ status: "OK" })).toBeNull();
  });
});

describe("4xx: permanent, attributed to Membrane or to the vendor", () => {
  it("400 from the vendor (Ometria validation) carries the vendor's message", async () => {
    const outcome = await emulatorClient().proxy({
      connectionId: DEMO.ometria,
      method: "POST",
      path: "/data-deletion-requests",
      body: { email: "not-an-email" },
    });
    const permanent = expectKind(outcome, "permanent");
    expect(permanent).toMatchObject({ code: "bad_request", status: 400, source: "vendor" });
    expect(permanent.membraneError).toBeUndefined();
    expect(permanent.reason).toMatch(/^The vendor answered HTTP 400: email/);
  });

  it("400 from Membrane (action input rejected) carries Membrane's error", async () => {
    const outcome = await emulatorClient().runAction({
      key: "add-stamps-to-loyalty-card",
      connectionId: DEMO.coupontools,
      input: { loyaltyCardId: "card-1" },
    });
    const permanent = expectKind(outcome, "permanent");
    expect(permanent).toMatchObject({
      code: "bad_request",
      status: 400,
      source: "membrane",
      membraneError: { type: "bad_request", key: "invalid_input" },
    });
  });

  it("401 from Membrane when the token is signed with the wrong secret", async () => {
    const client = emulatorClient({
      tokens: new WorkspaceTokenMinter({
        workspaceKey: DEMO.workspaceKey,
        workspaceSecret: "wrong",
        tenantKey: "t",
      }),
    });
    const permanent = expectKind(await client.proxy(listDeletions), "permanent");
    expect(permanent).toMatchObject({
      code: "not_authenticated",
      status: 401,
      source: "membrane",
      membraneError: { type: "bad_request", key: "not_authenticated" },
    });
  });

  it("401 from the vendor (no Membrane error type in the body) is the vendor's", async () => {
    await injectFault({ status: 401, body: { message: "API key revoked" } });
    const permanent = expectKind(await emulatorClient().proxy(listDeletions), "permanent");
    expect(permanent).toMatchObject({ code: "not_authenticated", status: 401, source: "vendor" });
    expect(permanent.reason).toBe("The vendor answered HTTP 401: API key revoked");
  });

  it("404: an unknown connection is Membrane's, an unknown record is the vendor's", async () => {
    const client = emulatorClient();
    const membrane404 = await client.proxy({ ...listDeletions, connectionId: "nope" });
    const vendor404 = await client.proxy({ ...listDeletions, path: "/data-deletion-requests/999" });

    expect(membrane404).toMatchObject({
      kind: "permanent",
      code: "not_found",
      status: 404,
      source: "membrane",
    });
    expect(vendor404).toMatchObject({ kind: "permanent", code: "not_found", status: 404, source: "vendor" });
    expect(vendor404).not.toHaveProperty("membraneError");
  });

  it("an action whose vendor call fails is action_failed", async () => {
    const outcome = await emulatorClient().runAction({
      key: "add-stamps-to-loyalty-card",
      connectionId: DEMO.coupontools,
      input: { loyaltyCardId: "card-1", userId: "42", stamps: 1 },
      acceptBody: coupontoolsBodyCheck,
    });
    expect(outcome).toMatchObject({
      vendorCode: "505",
      kind: "permanent",
      code: "action_failed",
      status: 400,
      source: "membrane",
      membraneError: { type: "action_run" },
    });
  });

  it("a defunct connection is permanent whatever the status", async () => {
    await injectFault({
      status: 500,
      body: { type: "connection", key: "connection_is_defunct", message: "Reconnect Ometria." },
    });
    const outcome = await emulatorClient().proxy(listDeletions);
    expect(outcome).toMatchObject({ kind: "permanent", code: "connection_defunct", source: "membrane" });
  });
});

describe("transient failures", () => {
  it("429 with Retry-After in seconds", async () => {
    await injectFault({ status: 429, retryAfterSeconds: 7 });
    const transient = expectKind(await emulatorClient().proxy(listDeletions), "transient");
    expect(transient).toMatchObject({
      code: "rate_limited",
      status: 429,
      retryAfterMs: 7000,
      source: "membrane",
    });
  });

  it("429 with Retry-After as an HTTP-date, against the injected clock", async () => {
    await injectFault({ status: 429, headers: { "retry-after": new Date(T0 + 30_000).toUTCString() } });
    const transient = expectKind(await emulatorClient({ now: () => T0 }).proxy(listDeletions), "transient");
    expect(transient).toMatchObject({ code: "rate_limited", retryAfterMs: 30_000 });
  });

  it("Ometria's own deletion limit: the 7th request in a minute is rate limited by the vendor", async () => {
    const client = emulatorClient();
    const request = {
      connectionId: DEMO.ometria,
      method: "POST",
      path: "/data-deletion-requests",
      body: { email: "ada@example.com" },
    } as const;
    for (let i = 0; i < 6; i++) expectKind(await client.proxy(request), "success");
    const transient = expectKind(await client.proxy(request), "transient");
    expect(transient).toMatchObject({ code: "rate_limited", status: 429, source: "vendor" });
    expect(transient.retryAfterMs).toBeGreaterThan(0);
    expect(transient.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it("the same limit reached through an action is Membrane's rate_limit_exceeded", async () => {
    const client = emulatorClient();
    const run = () =>
      client.runAction({
        key: "create-gdpr-deletion-request",
        connectionId: DEMO.ometria,
        input: { email: "ada@example.com" },
      });
    for (let i = 0; i < 6; i++) expectKind(await run(), "success");
    const transient = expectKind(await run(), "transient");
    expect(transient).toMatchObject({
      code: "rate_limited",
      source: "membrane",
      membraneError: { type: "connection", key: "rate_limit_exceeded" },
    });
    expect(transient.retryAfterMs).toBeGreaterThan(0);
  });

  it("5xx is a server error, with Retry-After when given", async () => {
    await injectFault({ status: 500 });
    await injectFault({ status: 503, retryAfterSeconds: 2, body: "upstream unavailable" });
    const client = emulatorClient();

    const first = expectKind(await client.proxy(listDeletions), "transient");
    expect(first).toMatchObject({ code: "server_error", status: 500, source: "membrane" });
    expect(first.retryAfterMs).toBeUndefined();
    const second = expectKind(await client.proxy(listDeletions), "transient");
    expect(second).toMatchObject({ code: "server_error", status: 503, source: "vendor", retryAfterMs: 2000 });
  });

  it("a Membrane concurrency error is transient", async () => {
    await injectFault({ status: 409, body: { type: "concurrency", key: "lock", message: "Try again." } });
    expect(await emulatorClient().proxy(listDeletions)).toMatchObject({ kind: "transient", code: "busy" });
  });

  it("no answer within the client's timeout is a timeout, without status or response", async () => {
    await injectFault({ delayMs: 250, status: 200 });
    const transient = expectKind(await emulatorClient({ timeoutMs: 50 }).proxy(listDeletions), "transient");
    expect(transient).toMatchObject({ code: "timeout", reason: "No answer within 50 ms." });
    expect(transient).not.toHaveProperty("status");
    expect(transient).not.toHaveProperty("response");
    // The emulator still finishes the delayed request; wait for it so it cannot leak into the next test.
    for (let i = 0; i < 50 && (await recordedRequests()).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await recordedRequests()).toMatchObject([{ fault: true }]);
  });

  it("a connection that cannot be made is a network error", async () => {
    // Nothing listens on port 1: the runtime's own fetch fails to connect.
    const client = new MembraneClient({ apiUrl: "http://127.0.0.1:1", tokens: new StaticToken("t") });
    const transient = expectKind(await client.proxy(listDeletions), "transient");
    expect(transient.code).toBe("network_error");
    expect(transient).not.toHaveProperty("status");
  });
});

describe("a connection dropped mid-answer (emulator fault `drop`)", () => {
  it("is a transient network failure, and with applyThenFail the call took effect", async () => {
    const tokens = new WorkspaceTokenMinter({ ...DEMO, tenantKey: "t" });
    const seen: string[] = [];
    const client = new MembraneClient({
      apiUrl: EMULATOR_URL,
      tokens,
      fetch: emulatorFetch,
      observe: (o) => seen.push(o.kind),
    });
    await injectFault({ match: { pathPrefix: "/data-deletion-requests" }, drop: true, applyThenFail: true });
    const outcome = await client.proxy({
      connectionId: DEMO.ometria,
      method: "POST",
      path: "/data-deletion-requests",
      body: { email: "dropped@example.com" },
    });
    expect(outcome).toMatchObject({ kind: "transient", code: "network_error" });
    // The caller saw no answer, but the vendor handled the call: what a reconciliation must read back.
    expect((await emulatorState()).deletionRequests.map((r) => r.email)).toEqual(["dropped@example.com"]);
    // A lane's breaker is told of it like of any call.
    expect(seen).toEqual(["transient"]);
  });
});

describe("summaries never carry the credentials", () => {
  it("keeps the token and Authorization out of every outcome, and masks e-mails and secret fields", async () => {
    const tokens = new WorkspaceTokenMinter({ ...DEMO, tenantKey: "t" });
    const token = await tokens.token();
    const client = new MembraneClient({ apiUrl: EMULATOR_URL, tokens, fetch: emulatorFetch });
    await injectFault({
      match: { pathPrefix: "/v3/loyaltyusers/search" },
      status: 429,
      retryAfterSeconds: 1,
    });
    await injectFault({ match: { pathPrefix: "/v3/loyaltyusers/search" }, delayMs: 200, status: 200 });

    const body = { loyaltycard: "card-1", email: "ada@example.com", password: "hunter2" };
    const outcomes = [
      await client.proxy({
        connectionId: DEMO.coupontools,
        method: "POST",
        path: "/v3/loyaltyusers/create",
        body,
      }),
      await client.proxy({
        connectionId: DEMO.coupontools,
        method: "POST",
        path: "/v3/loyaltyusers/search",
        body,
      }),
      await client.proxy({
        connectionId: DEMO.coupontools,
        method: "POST",
        path: "/v3/loyaltyusers/search",
        body,
        timeoutMs: 20,
      }),
      await client.proxy({ connectionId: "nope", method: "GET", path: "/x", query: { api_key: "k-123" } }),
    ];

    expect(outcomes.map((o) => o.kind)).toEqual(["success", "transient", "transient", "permanent"]);
    const everything = JSON.stringify(outcomes);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.split(".")[2]);
    expect(everything.toLowerCase()).not.toContain("bearer");
    // What is stored: summaries and reasons (the parsed body goes to the recipe, not to storage).
    const stored = JSON.stringify(
      outcomes.map((o) => [o.request, o.response, o.kind === "success" ? null : o.reason]),
    );
    expect(stored).not.toContain("hunter2");
    expect(stored).not.toContain("k-123");
    expect(stored).not.toContain("ada@example.com");
    expect(outcomes[0]?.request.body).toContain("***@example.com");
    expect(outcomes[3]?.request.path).toBe("/connections/nope/proxy/x?api_key=%5Bredacted%5D");
    // Let the delayed request finish before the next test resets the emulator.
    for (let i = 0; i < 50 && (await recordedRequests()).length < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});

describe("Membrane's error types and keys (docs reference/overview/errors)", () => {
  const classify = (status: number, body: unknown) =>
    classifyAnswer({ call: "proxy", status, headers: new Headers(), body, nowMs: T0 });

  it.each([
    // [status, type, key, kind, code]
    [404, "bad_request", "not_found", "permanent", "not_found"],
    [401, "bad_request", "not_authenticated", "permanent", "not_authenticated"],
    [403, "bad_request", "access_denied", "permanent", "access_denied"],
    [400, "bad_request", "already_exists", "permanent", "conflict"],
    [429, "bad_request", "rate_limit_exceeded", "transient", "rate_limited"],
    [429, "connection", "rate_limit_exceeded", "transient", "rate_limited"],
    [400, "connection", "access_token_expired", "transient", "credentials_expired"],
    [400, "connection", "connection_is_defunct", "permanent", "connection_defunct"],
    [400, "concurrency", "lock_timeout", "transient", "busy"],
    [500, "internal", "internal", "transient", "server_error"],
    [400, "configuration", "missing_field_mapping", "permanent", "membrane_configuration"],
    [400, "action_instance_setup", "x", "permanent", "membrane_configuration"],
    [400, "insufficient_credit", "x", "permanent", "insufficient_credit"],
    [400, "unit_run", "x", "permanent", "action_failed"],
  ] as const)("HTTP %i %s/%s is %s %s, written by Membrane", (status, type, key, kind, code) => {
    expect(classify(status, { type, key, message: "m" })).toMatchObject({ kind, code, source: "membrane" });
  });

  it("a body whose type is not one of Membrane's is the vendor's answer", () => {
    const vendor = classify(404, { type: "not_found", key: "x", message: "no such order" });
    expect(vendor).toMatchObject({ kind: "permanent", code: "not_found", source: "vendor" });
    expect(vendor).not.toHaveProperty("membraneError");
  });

  it("a failed action run is transient when the vendor behind it was down or busy", () => {
    const run = (vendorStatus: number) =>
      classifyAnswer({
        call: "action",
        status: 400,
        headers: new Headers(),
        body: { type: "action_run", key: "k", message: "m", data: { response: { status: vendorStatus } } },
        nowMs: T0,
      });
    expect(run(503)).toMatchObject({ kind: "transient", code: "server_error" });
    expect(run(429)).toMatchObject({ kind: "transient", code: "rate_limited" });
    expect(run(400)).toMatchObject({ kind: "permanent", code: "action_failed" });
  });

  it("keeps the actionRunId of a run, failed or not, and a vendor 503 inside an action is transient", async () => {
    const client = emulatorClient();
    const ok = await client.act({
      key: "list-loyalty-card-users",
      connectionId: DEMO.coupontools,
      input: { loyaltyCardId: "c" },
    });
    expect(ok).toMatchObject({ kind: "success", actionRunId: expect.stringMatching(/^arun_/) });
    await injectFault({ match: { pathPrefix: "/v3/loyaltyusers/list" }, status: 503 });
    const down = await client.act({
      key: "list-loyalty-card-users",
      connectionId: DEMO.coupontools,
      input: { loyaltyCardId: "c" },
    });
    expect(down).toMatchObject({
      kind: "transient",
      code: "server_error",
      source: "membrane",
      actionRunId: expect.stringMatching(/^arun_/),
    });
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP-dates, and ignores anything else", () => {
    expect(parseRetryAfter("120", T0)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", T0)).toBe(0);
    expect(parseRetryAfter(new Date(T0 + 5_000).toUTCString(), T0)).toBe(5_000);
    expect(parseRetryAfter(new Date(T0 - 5_000).toUTCString(), T0)).toBe(0);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.UTC(2015, 9, 21, 7, 27, 0))).toBe(60_000);
    expect(parseRetryAfter("-3", T0)).toBeUndefined();
    expect(parseRetryAfter("2030", T0)).not.toBeUndefined(); // delta-seconds, not a year
    expect(parseRetryAfter("2030-01-01", T0)).toBeUndefined();
    expect(parseRetryAfter("soon", T0)).toBeUndefined();
    expect(parseRetryAfter(null, T0)).toBeUndefined();
  });
});
