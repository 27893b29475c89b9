import { beforeEach, describe, expect, it } from "vitest";
import {
  DEMO,
  emulatorClient,
  emulatorTraffic,
  resetEmulator,
  seedLoyaltyUsers,
  setEmulatorSettings,
} from "../support/emulator";

// The emulator's list action answers page by page (Membrane: `{records, cursor}`, follow the cursor), at a page
// size that is a setting; its Coupontools can refuse a second user of one e-mail, and search whole fields only,
// where the vendor documents neither; and it counts what callers read, for the bench.

const client = emulatorClient();
const CARD = "paged-card";
const listPage = (cursor?: string) =>
  client.act({
    connectionId: DEMO.coupontools,
    key: "list-loyalty-card-users",
    input: { loyaltyCardId: CARD, ...(cursor && { cursor }) },
  });
const output = (outcome: Awaited<ReturnType<typeof listPage>>) =>
  (outcome as { body: { output: { records: { id: string; email: string }[]; cursor?: string } } }).body
    .output;
const proxy = (path: string, body: unknown) =>
  client.proxy({ connectionId: DEMO.coupontools, method: "POST", path, body });

beforeEach(resetEmulator);

describe("the list action's pages", () => {
  it("answers the card page by page at the set size, each page's cursor leading to the next, the last without one", async () => {
    const seeded = await seedLoyaltyUsers({ loyaltycard: CARD, count: 25, localPrefix: "paged.user." });
    expect(seeded).toEqual({ first: "1", last: "25" });
    await setEmulatorSettings({ listPageSize: 10 });
    const ids: string[] = [];
    const cursors: (string | undefined)[] = [];
    let cursor: string | undefined;
    do {
      const page = output(await listPage(cursor));
      ids.push(...page.records.map((r) => r.id));
      cursors.push(page.cursor);
      cursor = page.cursor;
    } while (cursor);
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));
    expect(cursors.map((c) => c === undefined)).toEqual([false, false, true]);
    expect(output(await listPage()).records[0]).toMatchObject({ email: "paged.user.1@example.test" });
  });

  it("refuses a cursor it never answered, as an invalid input", async () => {
    expect(await listPage("not-a-cursor")).toMatchObject({ kind: "permanent", status: 400 });
  });

  it("takes the cursor in its input schema", async () => {
    const definition = await client.read([
      "connections",
      DEMO.coupontools,
      "actions",
      "list-loyalty-card-users",
    ]);
    expect(definition).toMatchObject({
      body: { inputSchema: { properties: { cursor: { type: "string" } }, required: ["loyaltyCardId"] } },
    });
  });
});

describe("what Coupontools does not document", () => {
  it("makes a second user of one e-mail by default, and refuses it (error_code 304) when told to", async () => {
    const create = async () =>
      (
        (await proxy("/v3/loyaltyusers/create", { email: "twice@example.com", password: "pw-123456" })) as {
          body: unknown;
        }
      ).body;
    expect(await create()).toMatchObject({ status: { status: "OK" }, user: { id: "1" } });
    expect(await create()).toMatchObject({ status: { status: "OK" }, user: { id: "2" } });
    await setEmulatorSettings({ duplicateLoyaltyEmails: "refuse" });
    expect(await create()).toMatchObject({
      status: {
        status: "failed",
        errors: { error_code: [304], error_message_description: ["Email already exists"] },
      },
    });
  });

  it("finds a user by part of a field by default, and only by a whole field when told to", async () => {
    await seedLoyaltyUsers({ loyaltycard: CARD, count: 3, localPrefix: "part-" });
    const created = await proxy("/v3/loyaltyusers/create", {
      email: "named@example.com",
      password: "pw-123456",
      first_name: "Wholename",
    });
    const user = (created as { body: { user: { id: string } } }).body.user.id;
    await proxy("/v3/loyaltyusers/link", { loyaltycard: CARD, user });
    const found = async (search: string) =>
      (
        (await proxy("/v3/loyaltyusers/search", { loyaltycard: CARD, search })) as {
          body: { users: unknown[] };
        }
      ).body.users.length;
    expect(await found("part-2")).toBe(1);
    expect(await found("Wholena")).toBe(1);
    await setEmulatorSettings({ searchMatches: "whole" });
    expect(await found("part-2")).toBe(0);
    expect(await found("Wholena")).toBe(0);
    expect(await found("wholename")).toBe(1);
  });
});

describe("traffic", () => {
  it("counts each Membrane call of a connection and the bytes answered to it", async () => {
    await seedLoyaltyUsers({ loyaltycard: CARD, count: 5 });
    const before = (await emulatorTraffic())[DEMO.coupontools] ?? { requests: 0, answerBytes: 0 };
    const page = await listPage();
    const after = (await emulatorTraffic())[DEMO.coupontools];
    expect(after?.requests).toBe(before.requests + 1);
    const bytes = new TextEncoder().encode(JSON.stringify((page as { body: unknown }).body)).byteLength;
    expect(after?.answerBytes).toBe(before.answerBytes + bytes);
  });
});
