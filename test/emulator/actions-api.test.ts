import { beforeEach, describe, expect, it } from "vitest";
import { DEMO, emulatorClient, resetEmulator, setEmulatorSettings } from "../support/emulator";

// The emulator reads actions and connections as Membrane's API does (SDK ActionsAccessor, ConnectionAccessor;
// agent-skills getAction/getConnection). Its input schemas are the project's own design; a setting renames a
// field, standing for a workspace whose schema differs.

const client = emulatorClient();
const read = async (segments: string[]) => {
  const outcome = await client.read(segments);
  return {
    kind: outcome.kind,
    status: "status" in outcome ? outcome.status : undefined,
    body: "body" in outcome ? outcome.body : undefined,
  };
};

beforeEach(resetEmulator);

describe("action definitions", () => {
  it("reads an action by key on a connection, and by its id, with its input schema", async () => {
    const byKey = await read(["connections", DEMO.coupontools, "actions", "add-stamps-to-loyalty-card"]);
    expect(byKey).toMatchObject({
      kind: "success",
      body: {
        id: "act_coupontools_add-stamps-to-loyalty-card",
        key: "add-stamps-to-loyalty-card",
        state: "READY",
        inputSchema: { type: "object", required: ["loyaltyCardId", "userId", "stamps"] },
      },
    });
    const byId = await read(["actions", "act_coupontools_add-stamps-to-loyalty-card"]);
    expect(byId.body).toEqual(byKey.body);
    // Not a draft marker: Membrane's DataSchema has none.
    expect(JSON.stringify(byKey.body)).not.toContain("$schema");
  });

  it("answers 404 not_found for an action the connection's app does not have, or an unknown connection", async () => {
    expect(await read(["connections", DEMO.ometria, "actions", "add-stamps-to-loyalty-card"])).toMatchObject({
      kind: "permanent",
      status: 404,
    });
    expect(await read(["connections", "nope", "actions", "x"])).toMatchObject({
      kind: "permanent",
      status: 404,
    });
    expect(await read(["actions", "act_nope"])).toMatchObject({ kind: "permanent", status: 404 });
  });

  it("lists a connection's actions as {items}", async () => {
    const listed = await client.read(["actions"]);
    expect(listed.kind).toBe("success");
    const { body } = await read(["connections", DEMO.ometria, "actions", "create-gdpr-deletion-request"]);
    expect(body).toMatchObject({ inputSchema: { required: ["email"] } });
  });

  it("renames a field in the schema and in the run: the old name is dropped, as Membrane drops unknown fields", async () => {
    await setEmulatorSettings({ actionInputRenames: { "add-stamps-to-loyalty-card": { stamps: "amount" } } });
    const { body } = await read(["connections", DEMO.coupontools, "actions", "add-stamps-to-loyalty-card"]);
    expect(body).toMatchObject({ inputSchema: { required: ["loyaltyCardId", "userId", "amount"] } });
    expect(Object.keys((body as { inputSchema: { properties: object } }).inputSchema.properties)).toEqual([
      "loyaltyCardId",
      "userId",
      "amount",
    ]);
    const sent = await client.act({
      key: "add-stamps-to-loyalty-card",
      connectionId: DEMO.coupontools,
      input: { loyaltyCardId: "demo-card", userId: "1", stamps: 1 },
    });
    expect(sent).toMatchObject({ kind: "permanent", code: "bad_request" });
    expect(sent.kind !== "success" && sent.reason).toMatch(/amount/);
  });

  it("runs an action by id through /act", async () => {
    const listed = await client.act({
      id: "act_coupontools_list-loyalty-card-users",
      connectionId: DEMO.coupontools,
      input: { loyaltyCardId: "demo-card" },
    });
    expect(listed).toMatchObject({ kind: "success", body: { output: { records: [] } } });
  });
});

describe("connections", () => {
  it("reads a connection's state; a setting makes one answer as disconnected", async () => {
    expect((await read(["connections", DEMO.coupontools])).body).toMatchObject({
      id: DEMO.coupontools,
      connected: true,
      state: "READY",
      integration: { key: "coupontools" },
    });
    await setEmulatorSettings({ disconnectedConnections: [DEMO.ometria] });
    expect((await read(["connections", DEMO.ometria])).body).toMatchObject({
      connected: false,
      disconnected: true,
      state: "CLIENT_ACTION_REQUIRED",
    });
    expect(await read(["connections", "nope"])).toMatchObject({ kind: "permanent", status: 404 });
  });
});
