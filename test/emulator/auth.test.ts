import { sign } from "hono/jwt";
import { beforeEach, describe, expect, it } from "vitest";
import { callEmulator, DEMO, recordedRequests, resetEmulator } from "../support/emulator";

beforeEach(resetEmulator);

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const jwt = (payload: Record<string, unknown>, secret: string = DEMO.workspaceSecret) =>
  sign(payload, secret, "HS256");
const list = (authorization?: string) =>
  callEmulator(
    "/connections/ometria-demo/proxy/data-deletion-requests",
    authorization ? { authorization } : {},
  );

describe("Authorization", () => {
  it("accepts an HS256 JWT from the workspace, and the static token", async () => {
    const token = await jwt({ id: "t", iss: DEMO.workspaceKey, exp: inAnHour() });
    expect((await list(`Bearer ${token}`)).status).toBe(200);
    expect((await list(`Bearer ${DEMO.staticToken}`)).status).toBe(200);
  });

  it.each([
    [
      "signed with another secret",
      () => jwt({ id: "t", iss: DEMO.workspaceKey, exp: inAnHour() }, "other"),
      "token_invalid",
    ],
    [
      "expired",
      () => jwt({ id: "t", iss: DEMO.workspaceKey, exp: Math.floor(Date.now() / 1000) - 1 }),
      "token_expired",
    ],
    ["from another workspace", () => jwt({ id: "t", iss: "someone-else", exp: inAnHour() }), "token_invalid"],
    ["without exp", () => jwt({ id: "t", iss: DEMO.workspaceKey }), "token_invalid"],
    ["opaque and unknown", async () => "pat-unknown", "token_invalid"],
  ])("rejects a token %s with Membrane's 401", async (_case, makeToken, key) => {
    const res = await list(`Bearer ${await makeToken()}`);
    expect(res.status).toBe(401);
    // Membrane's documented shape: type bad_request, key not_authenticated (status 401 by the key).
    expect(await res.json()).toMatchObject({
      type: "bad_request",
      key: "not_authenticated",
      message: expect.any(String),
      data: { reason: key },
    });
  });

  it("refuses a token it accepted before once the token's exp has passed", async () => {
    // Two seconds at least: `exp` is in whole seconds, and `+ 1` could be a millisecond away on a busy machine.
    const exp = Math.floor(Date.now() / 1000) + 3;
    const token = await jwt({ id: "t", iss: DEMO.workspaceKey, exp });
    expect((await list(`Bearer ${token}`)).status).toBe(200);
    expect((await list(`Bearer ${token}`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    const res = await list(`Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ data: { reason: "token_expired" } });
  });

  it("rejects a missing header and other schemes", async () => {
    expect(await (await list()).json()).toMatchObject({
      type: "bad_request",
      key: "not_authenticated",
      data: { reason: "token_missing" },
    });
    expect((await list(`Basic ${btoa("a:b")}`)).status).toBe(401);
  });

  it("logs the shape of the Authorization header, never the token", async () => {
    const token = await jwt({ id: "t", iss: DEMO.workspaceKey, exp: inAnHour() });
    await list(`Bearer ${token}`);
    await list(`Bearer ${DEMO.staticToken}`);
    await list("Bearer not-a-known-token");

    const requests = await recordedRequests();
    expect(requests.map((r) => r.auth)).toEqual([
      {
        scheme: "Bearer",
        kind: "jwt",
        header: { alg: "HS256", typ: "JWT" },
        claims: expect.objectContaining({ id: "t" }),
      },
      { scheme: "Bearer", kind: "static" },
      { scheme: "Bearer", kind: "opaque" },
    ]);
    const log = JSON.stringify(requests);
    for (const secret of [token, DEMO.staticToken, "not-a-known-token"]) expect(log).not.toContain(secret);
  });
});

describe("connections and routes", () => {
  const auth = `Bearer ${DEMO.staticToken}`;

  it("answers an unknown connection with Membrane's 404", async () => {
    const res = await callEmulator("/connections/unknown/proxy/push", { authorization: auth, body: [] });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ type: "bad_request", key: "not_found" });
  });

  it("answers an unknown action, or one for another vendor, with Membrane's 404", async () => {
    const wrongVendor = await callEmulator(
      "/actions/add-stamps-to-loyalty-card/run?connectionId=ometria-demo",
      {
        authorization: auth,
        body: { input: {} },
      },
    );
    expect(wrongVendor.status).toBe(404);
    expect(await wrongVendor.json()).toMatchObject({ type: "bad_request", key: "not_found" });
  });

  it("requires connectionId on an action run", async () => {
    const res = await callEmulator("/actions/create-gdpr-deletion-request/run", {
      authorization: auth,
      body: {},
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: "bad_request", key: "connection_id_required" });
  });
});
