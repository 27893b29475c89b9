import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import {
  MEMBRANE_API_VERSION,
  MembraneClient,
  membraneClientFromEnv,
  RESPONSE_READ_LIMIT_BYTES,
  readCapped,
} from "../../src/membrane/client";
import { StaticToken } from "../../src/membrane/token";
import {
  DEMO,
  EMULATOR_URL,
  emulatorClient,
  emulatorFetch,
  emulatorState,
  recordCoupontoolsWebhooks,
  recordedRequests,
  resetEmulator,
} from "../support/emulator";

beforeEach(resetEmulator);

describe("request shape, as the emulator recorded it", () => {
  it("sends a proxy call as METHOD /connections/{id}/proxy/{path} with a signed bearer token", async () => {
    const client = emulatorClient();
    const records = [{ "@type": "contact", id: "c-1", email: "ada@example.com" }];
    const outcome = await client.proxy({
      connectionId: DEMO.ometria,
      method: "POST",
      path: "/push",
      body: records,
    });

    expect(outcome.kind).toBe("success");
    const [request] = await recordedRequests();
    expect(request).toMatchObject({
      method: "POST",
      path: "/connections/ometria-demo/proxy/push",
      vendorPath: "/push",
      body: records,
      headers: { contentType: "application/json", membraneApiVersion: MEMBRANE_API_VERSION },
      status: 200,
    });
    expect(request?.auth).toMatchObject({
      scheme: "Bearer",
      kind: "jwt",
      header: { alg: "HS256", typ: "JWT" },
    });
    if (request?.auth?.scheme !== "Bearer" || request.auth.kind !== "jwt") throw new Error("expected a JWT");
    expect(Object.keys(request.auth.claims as object).sort()).toEqual(["exp", "id", "iss"]);
    expect(request.auth.claims).toMatchObject({ id: DEMO.tenantKey, iss: DEMO.workspaceKey });
  });

  it("puts the query inline and leaves the body out of a GET", async () => {
    const client = emulatorClient();
    await client.proxy({
      connectionId: DEMO.ometria,
      method: "GET",
      path: "data-deletion-requests",
      query: { page: 2, status: "pending", skipped: undefined },
    });
    const [request] = await recordedRequests();
    expect(request).toMatchObject({
      method: "GET",
      path: "/connections/ometria-demo/proxy/data-deletion-requests?page=2&status=pending",
      body: null,
      headers: { contentType: null, membraneApiVersion: MEMBRANE_API_VERSION },
    });
  });

  it("runs an action as POST /actions/{key}/run?connectionId= with {input}", async () => {
    const client = emulatorClient();
    const input = { email: "ada@example.com", comment: "GDPR erasure request" };
    const outcome = await client.runAction({
      key: "create-gdpr-deletion-request",
      connectionId: DEMO.ometria,
      input,
    });

    expect(outcome).toMatchObject({ kind: "success", status: 200, source: "membrane" });
    if (outcome.kind !== "success") throw new Error("expected success");
    expect(outcome.body).toMatchObject({ output: { email: "ada@example.com", status: "pending" } });
    expect((outcome.body as { actionRunId: unknown }).actionRunId).toEqual(expect.any(String));

    // The emulator logs the action's own vendor call too (marked with `action`); this is Membrane's request.
    const request = (await recordedRequests()).find((r) => !r.action);
    expect(request).toMatchObject({
      method: "POST",
      path: "/actions/create-gdpr-deletion-request/run?connectionId=ometria-demo",
      body: { input },
      auth: { scheme: "Bearer", kind: "jwt" },
    });
    // The action ran against the same vendor state a proxy call reaches.
    expect((await emulatorState()).deletionRequests).toMatchObject([
      { connectionId: DEMO.ometria, ...input },
    ]);
  });

  it("runs an action as POST /act with {key, connectionId, input} and keeps the actionRunId", async () => {
    const input = { email: "ada@example.com", comment: "GDPR erasure request" };
    const outcome = await emulatorClient().act({
      key: "create-gdpr-deletion-request",
      connectionId: DEMO.ometria,
      input,
    });
    expect(outcome).toMatchObject({ kind: "success", source: "membrane", actionRunId: expect.any(String) });
    expect((await recordedRequests()).find((r) => !r.action)).toMatchObject({
      method: "POST",
      path: "/act",
      body: { key: "create-gdpr-deletion-request", connectionId: DEMO.ometria, input },
    });
  });

  it("encodes the connection id and action key into the path", async () => {
    const client = emulatorClient();
    const outcome = await client.proxy({ connectionId: "no such/connection", method: "GET", path: "/push" });
    expect(outcome).toMatchObject({ kind: "permanent", status: 404, source: "membrane" });
    const [request] = await recordedRequests();
    expect(request?.path).toBe("/connections/no%20such%2Fconnection/proxy/push");
  });

  it("reuses one token across calls instead of signing per request", async () => {
    const client = emulatorClient();
    for (let i = 0; i < 3; i++) {
      await client.proxy({ connectionId: DEMO.ometria, method: "GET", path: "/data-deletion-requests" });
    }
    const claims = (await recordedRequests()).map((r) =>
      r.auth && "claims" in r.auth ? r.auth.claims : null,
    );
    expect(claims).toHaveLength(3);
    expect(new Set(claims.map((c) => JSON.stringify(c))).size).toBe(1);
  });

  it("sends a pre-issued token as it is", async () => {
    const client = new MembraneClient({
      apiUrl: EMULATOR_URL,
      tokens: new StaticToken(DEMO.staticToken),
      fetch: emulatorFetch,
    });
    const outcome = await client.proxy({
      connectionId: DEMO.ometria,
      method: "GET",
      path: "/data-deletion-requests",
    });
    expect(outcome.kind).toBe("success");
    expect((await recordedRequests())[0]?.auth).toEqual({ scheme: "Bearer", kind: "static" });
  });
});

describe("membraneClientFromEnv", () => {
  it("works with the test environment as it is (demo credentials, MEMBRANE binding)", async () => {
    const outcome = await membraneClientFromEnv(env).runAction({
      key: "create-gdpr-deletion-request",
      connectionId: DEMO.ometria,
      input: { email: "ada@example.com" },
    });
    expect(outcome).toMatchObject({ kind: "success", source: "membrane" });
    expect((await recordedRequests()).find((r) => !r.action)?.auth).toMatchObject({
      kind: "jwt",
      claims: { iss: DEMO.workspaceKey },
    });
  });

  it("reads the credentials from the environment and routes through the MEMBRANE binding", async () => {
    const client = membraneClientFromEnv({
      MEMBRANE_API_URL: "https://api.getmembrane.com",
      MEMBRANE_WORKSPACE_KEY: DEMO.workspaceKey,
      MEMBRANE_WORKSPACE_SECRET: DEMO.workspaceSecret,
      MEMBRANE_TENANT_KEY: "tenant-from-env",
      MEMBRANE: { fetch: emulatorFetch },
    });
    await recordCoupontoolsWebhooks([
      { webhook: "evt_1", type: "coupon_validated", date: "2025-03-14 09:26:53" },
    ]);
    const outcome = await client.proxy({
      connectionId: DEMO.coupontools,
      method: "POST",
      path: "/v3/webhook/verification",
      body: { webhook: "evt_1" },
    });
    expect(outcome).toMatchObject({ kind: "success", body: { result: "valid" } });
    const [request] = await recordedRequests();
    expect(request?.auth).toMatchObject({
      kind: "jwt",
      claims: { id: "tenant-from-env", iss: DEMO.workspaceKey },
    });
  });
});

describe("the answer is read with a size cap", () => {
  it("reads at most 64 KiB of an endless body, does not parse it, and says it was cut", async () => {
    let pulled = 0;
    const chunk = new TextEncoder().encode(`{"status":"${"x".repeat(16 * 1024)}`);
    // A body that never ends: reading it whole would never finish.
    const endless = () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          controller.enqueue(chunk);
        },
      });
    const client = new MembraneClient({
      apiUrl: EMULATOR_URL,
      tokens: new StaticToken("t"),
      fetch: async () =>
        new Response(endless(), { status: 500, headers: { "content-type": "application/json" } }),
    });
    const outcome = await client.proxy({ connectionId: DEMO.ometria, method: "GET", path: "/x" });
    expect(outcome).toMatchObject({
      kind: "transient",
      code: "server_error",
      response: { status: 500, truncatedAtBytes: RESPONSE_READ_LIMIT_BYTES },
    });
    expect(pulled).toBeLessThan(10);
    expect(new TextEncoder().encode(outcome.response?.body ?? "").byteLength).toBeLessThanOrEqual(2048);
  });

  it("reads a body under the cap whole", async () => {
    const { text, truncated } = await readCapped(new Response("é".repeat(100)), 1024);
    expect({ text, truncated }).toEqual({ text: "é".repeat(100), truncated: false });
  });

  const chunked = (...chunks: Uint8Array[]) =>
    new Response(
      new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk);
          controller.close();
        },
      }),
    );
  const utf8 = new TextEncoder().encode("aé€😀z"); // 1 + 2 + 3 + 4 + 1 bytes

  it("keeps a character split between two chunks whole", async () => {
    for (let cut = 1; cut < utf8.byteLength; cut++) {
      const read = await readCapped(chunked(utf8.subarray(0, cut), utf8.subarray(cut)), 1024);
      expect(read).toEqual({ text: "aé€😀z", truncated: false });
    }
  });

  it("cuts a streamed body of unknown length at the cap, and one whose declared length is over it", async () => {
    expect(await readCapped(chunked(utf8.subarray(0, 4), utf8.subarray(4)), 6)).toEqual({
      text: "aé€",
      truncated: true,
    });
    const declared = new Response("x".repeat(50), { headers: { "content-length": "50" } });
    expect(await readCapped(declared, 20)).toEqual({ text: "x".repeat(20), truncated: true });
  });

  it("does not trust a declared length for an encoded body (it counts compressed bytes)", async () => {
    const encoded = new Response("x".repeat(50), {
      headers: { "content-length": "10", "content-encoding": "gzip" },
    });
    expect(await readCapped(encoded, 20)).toEqual({ text: "x".repeat(20), truncated: true });
  });
});

describe("a proxy path that would leave /connections/{id}/proxy/ is never sent", () => {
  /** A client whose fetch only records what it was asked to send. */
  function recordingClient(apiUrl: string) {
    const sent: string[] = [];
    const client = new MembraneClient({
      apiUrl,
      tokens: new StaticToken("t"),
      fetch: async (input) => {
        sent.push(input);
        return Response.json({ ok: true });
      },
    });
    return { client, sent };
  }

  for (const apiUrl of ["https://membrane.test", "https://example.com/membrane/"]) {
    it(`refuses dot segments, plain or encoded, permanently and with the path named (${apiUrl})`, async () => {
      const { client, sent } = recordingClient(apiUrl);
      const base = new URL(apiUrl).pathname.replace(/\/$/, "");
      for (const path of [
        "/../users",
        "/%2e%2e/users",
        "/.%2E/users",
        "/v4/directory/../users",
        "/a\\..\\..\\x",
      ]) {
        const outcome = await client.proxy({
          connectionId: "coupontools-demo",
          method: "POST",
          path,
          body: {},
        });
        expect(outcome, path).toMatchObject({ kind: "permanent", code: "unsafe_proxy_path", durationMs: 0 });
        expect(outcome).not.toHaveProperty("status");
        expect(outcome).not.toHaveProperty("response");
        if (outcome.kind !== "permanent") throw new Error("expected a refusal");
        expect(outcome.reason).toContain(`"${path}"`);
        expect(outcome.reason).toMatch(/not sent$/);
        expect(outcome.request.path.startsWith(`${base}/connections/`)).toBe(true);
      }
      expect(sent).toEqual([]);
      // The same client sends a path that stays under the proxy.
      const fine = await client.proxy({
        connectionId: "coupontools-demo",
        method: "GET",
        path: "/v4/directory/d1/users",
      });
      expect(fine.kind).toBe("success");
      expect(sent).toEqual([
        `${apiUrl.replace(/\/$/, "")}/connections/coupontools-demo/proxy/v4/directory/d1/users`,
      ]);
    });
  }

  it("refuses a connection id that resolves the URL out of /connections/{id}/proxy/", async () => {
    const { client, sent } = recordingClient("https://example.com/membrane");
    const outcome = await client.proxy({ connectionId: "..", method: "GET", path: "/users" });
    expect(outcome).toMatchObject({ kind: "permanent", code: "unsafe_proxy_path" });
    expect(outcome.kind === "permanent" && outcome.reason).toBe(
      'The proxy URL for path "/users" resolves to "/membrane/proxy/users", outside /membrane/connections/../proxy/; not sent',
    );
    expect(sent).toEqual([]);
  });

  it("masks an e-mail in the reason, also URL-encoded", async () => {
    const { client } = recordingClient("https://membrane.test");
    const path = `/users/${encodeURIComponent("ada@example.com")}/..`;
    const outcome = await client.proxy({ connectionId: "c", method: "GET", path });
    expect(outcome).toMatchObject({ kind: "permanent", code: "unsafe_proxy_path" });
    expect(JSON.stringify(outcome)).not.toContain("ada");
    expect(outcome.kind === "permanent" && outcome.reason).toContain('"/users/***@example.com/.."');
  });
});
