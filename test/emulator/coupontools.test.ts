import { beforeEach, describe, expect, it } from "vitest";
import {
  callEmulator,
  DEMO,
  emulatorState,
  markForged,
  recordCoupontoolsWebhooks,
  resetEmulator,
} from "../support/emulator";

beforeEach(resetEmulator);

const authorization = `Bearer ${DEMO.staticToken}`;
async function coupontools(path: string, body: unknown, connectionId: string = DEMO.coupontools) {
  const res = await callEmulator(`/connections/${connectionId}/proxy${path}`, { authorization, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
async function createUser(loyaltycard: string, email: string): Promise<string> {
  const created = await coupontools("/v3/loyaltyusers/create", { loyaltycard, email });
  return (created.body.result as { id: string }).id;
}

describe("loyalty cards", () => {
  it("finds a created user by e-mail (case-insensitive) on that card only", async () => {
    await createUser("card-1", "ada@example.com");
    const found = await coupontools("/v3/loyaltyusers/search", {
      loyaltycard: "card-1",
      search: "ADA@example.com",
    });
    const elsewhere = await coupontools("/v3/loyaltyusers/search", {
      loyaltycard: "card-2",
      search: "ada@example.com",
    });

    expect(found).toMatchObject({
      status: 200,
      body: { status: { status: "OK" }, result: [{ email: "ada@example.com", stamps: 0 }] },
    });
    expect(elsewhere.body.result).toEqual([]);
  });

  it("keeps a stamp balance per card and user across requests", async () => {
    const ada = await createUser("card-1", "ada@example.com");
    const bob = await createUser("card-1", "bob@example.com");
    await coupontools("/v3/loyaltyusers/update", { loyaltycard: "card-1", user: ada, stamps: 2 });
    const second = await coupontools("/v3/loyaltyusers/update", {
      loyaltycard: "card-1",
      user: Number(ada),
      stamps: 3,
    });
    await coupontools("/v3/loyaltyusers/update", { loyaltycard: "card-1", user: bob, stamps: 1 });

    expect(second.body).toEqual({
      status: { status: "OK" },
      result: { user: ada, loyaltycard: "card-1", stamps_added: 3, stamps: 5 },
    });
    const balances = (await emulatorState()).loyaltyUsers.map((u) => [u.email, u.stamps]);
    expect(balances).toEqual([
      ["ada@example.com", 5],
      ["bob@example.com", 1],
    ]);
  });

  it("keeps each connection's (vendor account's) users apart", async () => {
    const ada = await createUser("card-1", "ada@example.com");
    const other = await coupontools("/v3/loyaltyusers/update", {
      loyaltycard: "card-2",
      user: ada,
      stamps: 1,
    });
    expect(other).toMatchObject({ status: 200, body: { status: { status: "ERROR" } } });
  });

  it("reports errors as HTTP 200 with status ERROR", async () => {
    await createUser("card-1", "ada@example.com");
    const duplicate = await coupontools("/v3/loyaltyusers/create", {
      loyaltycard: "card-1",
      email: "ada@example.com",
    });
    const unknownUser = await coupontools("/v3/loyaltyusers/update", {
      loyaltycard: "card-1",
      user: "99",
      stamps: 1,
    });
    const invalid = await coupontools("/v3/loyaltyusers/update", {
      loyaltycard: "card-1",
      user: "1",
      stamps: 0,
    });

    for (const answer of [duplicate, unknownUser, invalid]) {
      expect(answer).toMatchObject({
        status: 200,
        body: { status: { status: "ERROR", message: expect.any(String) } },
      });
    }
    expect(JSON.stringify(invalid.body)).toContain("stamps");
  });
});

describe("directories (v4)", () => {
  it("creates a directory user, requires an e-mail and refuses a duplicate", async () => {
    const created = await coupontools("/v4/directory/dir-9/users", {
      email: "ada@example.com",
      first_name: "Ada",
    });
    const missing = await coupontools("/v4/directory/dir-9/users", { first_name: "Nobody" });
    const duplicate = await coupontools("/v4/directory/dir-9/users", { email: "ada@example.com" });

    expect(created).toMatchObject({
      status: 201,
      body: { result: { directory: "dir-9", email: "ada@example.com", first_name: "Ada" } },
    });
    expect(missing).toMatchObject({ status: 400, body: { status: { status: "ERROR" } } });
    expect(duplicate.status).toBe(409);
    expect((await emulatorState()).directoryUsers).toHaveLength(1);
  });
});

describe("webhook verification (Coupontools' documented answers)", () => {
  const verify = (body: unknown, connectionId?: string) =>
    coupontools("/v3/webhook/verification", body, connectionId);
  const sent = {
    webhook: "evt_JsOKTu2rlzjZsxPaleUx",
    type: "coupon_validated",
    campaign: "cam_12345",
    session: "8yx7hpxuu69k0zga93nix",
    date: "2017-10-09 09:57:57",
  };
  const notFound = {
    status: 422,
    body: {
      status: {
        status: "failed",
        errors: {
          error_message: "HTTP/1.0 422 Unprocessable entity.",
          error_message_description: ["Webhook not found."],
          error_code: [509],
        },
      },
    },
  };

  it("confirms a webhook the account sent with the documented success shape", async () => {
    await recordCoupontoolsWebhooks([sent]);
    expect(await verify({ webhook: sent.webhook })).toEqual({
      status: 200,
      body: { status: { status: "OK" }, result: "valid", ...sent },
    });
    // `session` is an optional parameter; what a different one does is not documented, so it is ignored.
    expect((await verify({ webhook: sent.webhook, session: "other" })).body.result).toBe("valid");
  });

  it("answers the documented failed/509 shape for an id it never sent, exactly as asked", async () => {
    await recordCoupontoolsWebhooks([sent]);
    expect(await verify({ webhook: "evt_NeverSent" })).toEqual(notFound);
    expect(await verify({ webhook: ` ${sent.webhook}` })).toEqual(notFound);
    expect(await verify({ webhook: `${sent.webhook}\t` })).toEqual(notFound);
  });

  it("treats ids marked forged as not found, even if recorded", async () => {
    await recordCoupontoolsWebhooks([{ ...sent, webhook: "evt_Marked" }]);
    await markForged(["evt_Marked"]);
    expect(await verify({ webhook: "evt_Marked" })).toEqual(notFound);
  });

  it("answers a missing webhook parameter with error code 200 (missing parameter)", async () => {
    const res = await verify({});
    expect(res).toMatchObject({
      status: 422,
      body: { status: { status: "failed", errors: { error_code: [200] } } },
    });
  });

  it("refuses a malformed seed", async () => {
    const res = await callEmulator("/_emulator/coupontools/webhooks", {
      body: { connectionId: DEMO.coupontools, events: [{ ...sent, date: "2017-10-09T09:57:57Z" }] },
    });
    expect(res.status).toBe(400);
    const other = await callEmulator("/_emulator/coupontools/webhooks", {
      body: { connectionId: DEMO.ometria, events: [sent] },
    });
    expect(other.status).toBe(400);
  });
});

describe("actions map onto the same state", () => {
  it("add-stamps-to-loyalty-card adds to the balance the proxy sees", async () => {
    const ada = await createUser("card-1", "ada@example.com");
    const res = await callEmulator("/actions/add-stamps-to-loyalty-card/run?connectionId=coupontools-demo", {
      authorization,
      body: { input: { loyaltycard: "card-1", user: ada, stamps: 4 } },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      output: { user: ada, stamps: 4 },
      actionRunId: expect.any(String),
    });

    const found = await coupontools("/v3/loyaltyusers/search", { loyaltycard: "card-1", search: ada });
    expect(found.body.result).toMatchObject([{ stamps: 4 }]);
  });
});
