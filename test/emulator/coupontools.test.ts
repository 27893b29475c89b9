import { beforeEach, describe, expect, it } from "vitest";
import {
  callEmulator,
  DEMO,
  emulatorState,
  markForged,
  recordCoupontoolsWebhooks,
  resetEmulator,
  setEmulatorSettings,
} from "../support/emulator";

beforeEach(resetEmulator);

const authorization = `Bearer ${DEMO.staticToken}`;
async function coupontools(path: string, body: unknown, connectionId: string = DEMO.coupontools) {
  const res = await callEmulator(`/connections/${connectionId}/proxy${path}`, { authorization, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
/** Creates a loyalty user as documented (email + password) and links it to the card; returns its id. */
async function userOnCard(loyaltycard: string, email: string, connectionId?: string): Promise<string> {
  const created = await coupontools(
    "/v3/loyaltyusers/create",
    { email, password: "pw-123456" },
    connectionId,
  );
  const id = (created.body.user as { id: string }).id;
  await coupontools("/v3/loyaltyusers/link", { loyaltycard, user: id }, connectionId);
  return id;
}
/** The documented failure envelope with this error_code and text. */
const failed = (code: number, text: string | RegExp) => ({
  status: {
    status: "failed",
    errors: {
      error_message: expect.any(String),
      error_message_description: [typeof text === "string" ? text : expect.stringMatching(text)],
      error_code: [code],
    },
  },
});

describe("loyalty users (v3), as docs.coupontools.com api/v3/loyalty describes them", () => {
  it("refuses a create without a password, or without an e-mail, with error_code 200", async () => {
    const noPassword = await coupontools("/v3/loyaltyusers/create", { email: "ada@example.com" });
    const noEmail = await coupontools("/v3/loyaltyusers/create", { password: "pw-123456" });
    expect(noPassword).toEqual({ status: 200, body: failed(200, "You need to provide a password.") });
    expect(noEmail.body).toEqual(failed(200, "You need to provide an email address."));
    expect((await emulatorState()).loyaltyUsers).toEqual([]);
  });

  it("creates a user on no card; link puts it on the card; link needs loyaltycard and user", async () => {
    const created = await coupontools("/v3/loyaltyusers/create", {
      email: "ada@example.com",
      password: "pw-123456",
      first_name: "Ada",
      last_name: "Lovelace",
    });
    expect(created).toMatchObject({ status: 200, body: { status: { status: "OK" } } });
    const id = (created.body.user as { id: string }).id;
    expect((await emulatorState()).loyaltyUsers).toMatchObject([
      { id, loyaltycard: null, first_name: "Ada", last_name: "Lovelace", stamps: 0 },
    ]);

    expect((await coupontools("/v3/loyaltyusers/link", { user: id })).body).toEqual(
      failed(200, "Missing parameter: loyaltycard"),
    );
    expect((await coupontools("/v3/loyaltyusers/link", { loyaltycard: "card-1" })).body).toEqual(
      failed(200, "Missing parameter: user"),
    );
    const linked = await coupontools("/v3/loyaltyusers/link", { loyaltycard: "card-1", user: id });
    expect(linked.body).toEqual({ status: { status: "OK" } });
    expect((await emulatorState()).loyaltyUsers).toMatchObject([{ id, loyaltycard: "card-1" }]);
  });

  it("search: at least 3 characters of A-Z a-z 0-9 - _ @, on the card's users only", async () => {
    await userOnCard("card-1", "ada.l@example.com");
    await userOnCard("card-2", "ada@example.org");
    const search = (term: string) =>
      coupontools("/v3/loyaltyusers/search", { loyaltycard: "card-1", search: term });

    expect((await search("ada.l@example.com")).body).toEqual(failed(301, /Invalid character/));
    expect((await search("ad")).body).toEqual(failed(301, /Invalid character/));
    const found = await search("ADA");
    expect(found.body).toMatchObject({ status: { status: "OK" }, users: [{ email: "ada.l@example.com" }] });
    expect((found.body.users as unknown[]).length).toBe(1);
  });

  it("list: the card's users; loyaltycard is required", async () => {
    await userOnCard("card-1", "ada@example.com");
    await userOnCard("card-1", "bob@example.com");
    expect((await coupontools("/v3/loyaltyusers/list", {})).body).toEqual(
      failed(200, "Missing parameter: loyaltycard"),
    );
    const listed = await coupontools("/v3/loyaltyusers/list", { loyaltycard: "card-1" });
    expect((listed.body.users as { email: string }[]).map((u) => u.email)).toEqual([
      "ada@example.com",
      "bob@example.com",
    ]);
  });

  it("list and search answer each user whole, fields in one order, empty ones as null", async () => {
    const created = await coupontools("/v3/loyaltyusers/create", {
      email: "ada@example.com",
      password: "pw-123456",
      first_name: "Ada",
    });
    const ada = (created.body.user as { id: string }).id;
    await coupontools("/v3/loyaltyusers/link", { loyaltycard: "card-1", user: ada });
    await coupontools("/v3/loyaltyusers/link", { loyaltycard: "card-2", user: ada });
    const bob = await userOnCard("card-1", "bob@example.com");
    await coupontools("/v3/loyaltyusers/update", { loyaltycard: "card-1", user: bob, amount: 2 });
    const text = async (path: string, body: unknown) =>
      (await callEmulator(`/connections/${DEMO.coupontools}/proxy${path}`, { authorization, body })).text();

    const adaOnCard1 = `{"id":"${ada}","loyaltycard":"card-1","email":"ada@example.com","first_name":"Ada","last_name":null,"phone":null,"stamps":0}`;
    const bobOnCard1 = `{"id":"${bob}","loyaltycard":"card-1","email":"bob@example.com","first_name":null,"last_name":null,"phone":null,"stamps":2}`;
    expect(await text("/v3/loyaltyusers/list", { loyaltycard: "card-1" })).toBe(
      `{"status":{"status":"OK"},"users":[${adaOnCard1},${bobOnCard1}]}`,
    );
    expect(await text("/v3/loyaltyusers/search", { loyaltycard: "card-1", search: "bob" })).toBe(
      `{"status":{"status":"OK"},"users":[${bobOnCard1}]}`,
    );
    expect(await text("/v3/loyaltyusers/list", { loyaltycard: "card-3" })).toBe(
      `{"status":{"status":"OK"},"users":[]}`,
    );
  });

  it("update adds to the balance under the configured amount field, per card and user", async () => {
    const ada = await userOnCard("card-1", "ada@example.com");
    const bob = await userOnCard("card-1", "bob@example.com");
    await coupontools("/v3/loyaltyusers/update", { loyaltycard: "card-1", user: ada, amount: 2 });
    await coupontools("/v3/loyaltyusers/update", { loyaltycard: "card-1", user: Number(ada), amount: 3 });
    await coupontools("/v3/loyaltyusers/update", { loyaltycard: "card-1", user: bob, amount: 1 });
    const balances = (await emulatorState()).loyaltyUsers.map((u) => [u.email, u.stamps]);
    expect(balances).toEqual([
      ["ada@example.com", 5],
      ["bob@example.com", 1],
    ]);
  });

  it("update finds a user by its id as answered, and no other spelling of it", async () => {
    const ada = await userOnCard("card-1", "ada@example.com");
    for (const user of [`0${ada}`, `${ada}.0`, ` ${ada}`, "ada"])
      expect(
        (await coupontools("/v3/loyaltyusers/update", { loyaltycard: "card-1", user, amount: 1 })).body,
        user,
      ).toEqual(failed(505, "This user does not hold this loyalty card."));
    expect(
      (await coupontools("/v3/loyaltyusers/link", { loyaltycard: "card-2", user: `0${ada}` })).body,
    ).toEqual(failed(200, "Loyalty user not found."));
    expect((await emulatorState()).loyaltyUsers).toMatchObject([{ loyaltycard: "card-1", stamps: 0 }]);
  });

  it("the amount field's name is a setting: another name is a missing parameter", async () => {
    const ada = await userOnCard("card-1", "ada@example.com");
    await setEmulatorSettings({ stampsField: "points" });
    const guessed = await coupontools("/v3/loyaltyusers/update", {
      loyaltycard: "card-1",
      user: ada,
      amount: 2,
    });
    expect(guessed.body).toEqual(failed(200, "Missing parameter: points"));
    await coupontools("/v3/loyaltyusers/update", { loyaltycard: "card-1", user: ada, points: 2 });
    expect((await emulatorState()).loyaltyUsers).toMatchObject([{ stamps: 2 }]);
  });

  it("keeps each connection's (vendor account's) users apart", async () => {
    const ada = await userOnCard("card-1", "ada@example.com");
    const other = await coupontools(
      "/v3/loyaltyusers/update",
      { loyaltycard: "card-1", user: ada, amount: 1 },
      "other-coupontools",
    );
    expect(other.status).toBe(404); // an unknown connection: Membrane's bad_request/not_found
    const unlinked = await coupontools("/v3/loyaltyusers/update", {
      loyaltycard: "card-2",
      user: ada,
      amount: 1,
    });
    expect(unlinked.body).toEqual(failed(505, /does not hold/));
  });
});

describe("directories (v4)", () => {
  it("creates a directory user, requires an e-mail, and answers a duplicate with error_code 304", async () => {
    const created = await coupontools("/v4/directory/dir-9/users", {
      email: "ada@example.com",
      first_name: "Ada",
    });
    const missing = await coupontools("/v4/directory/dir-9/users", { first_name: "Nobody" });
    const duplicate = await coupontools("/v4/directory/dir-9/users", { email: "ada@example.com" });

    expect(created).toMatchObject({
      status: 201,
      body: { user: { directory: "dir-9", email: "ada@example.com", first_name: "Ada" } },
    });
    expect(missing.body).toMatchObject({ status: { status: "failed" } });
    expect(duplicate.body).toEqual(failed(304, "Email already exists"));
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
  const act = async (key: string, input: unknown) => {
    const res = await callEmulator("/act", {
      authorization,
      body: { key, connectionId: DEMO.coupontools, input },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("create-loyalty-card-user creates and links; add-stamps-to-loyalty-card adds what the proxy sees", async () => {
    const created = await act("create-loyalty-card-user", {
      loyaltyCardId: "card-1",
      email: "ada@example.com",
    });
    expect(created).toMatchObject({
      status: 200,
      body: { output: { id: expect.any(String) }, actionRunId: expect.any(String) },
    });
    const id = (created.body.output as { id: string }).id;

    const added = await act("add-stamps-to-loyalty-card", { loyaltyCardId: "card-1", userId: id, stamps: 4 });
    expect(added).toMatchObject({ status: 200, body: { output: { userId: id, stampsAdded: 4 } } });
    const listed = await coupontools("/v3/loyaltyusers/list", { loyaltycard: "card-1" });
    expect(listed.body.users).toMatchObject([{ id, email: "ada@example.com", stamps: 4 }]);
    const records = await act("list-loyalty-card-users", { loyaltyCardId: "card-1" });
    expect(records.body).toMatchObject({
      output: { records: [{ id, email: "ada@example.com", stamps: 4 }] },
    });
  });

  it("a vendor refusal is an action_run error carrying the vendor's answer and an actionRunId", async () => {
    const refused = await act("add-stamps-to-loyalty-card", {
      loyaltyCardId: "card-1",
      userId: "42",
      stamps: 1,
    });
    expect(refused).toMatchObject({
      status: 400,
      body: {
        type: "action_run",
        actionRunId: expect.any(String),
        data: { response: { status: 200, data: failed(505, /does not hold/) } },
      },
    });
  });

  it("/act takes exactly one of id, key, api, code", async () => {
    const res = await callEmulator("/act", {
      authorization,
      body: { key: "list-loyalty-card-users", id: "x", connectionId: DEMO.coupontools, input: {} },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: "bad_request" });
  });
});
