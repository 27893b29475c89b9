import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { parseReactions } from "../../src/config/reactions";
import { redactionSalt } from "../../src/config/redaction-salt";
import { forgetActionDefinitions } from "../../src/delivery/actions/action-runner";
import { runDelivery } from "../../src/delivery/attempt/run-delivery";
import { deliveryContext } from "../../src/delivery/context";
import { emailKeyedHash } from "../../src/lib/crypto";
import type { DeadLetterMessage, DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { planDeliveries } from "../../src/store/deliveries";
import { rememberedUser, rememberUser } from "../../src/store/vendor-users";
import {
  DEMO,
  emulatorState,
  recordedRequests,
  resetEmulator,
  seedLoyaltyUsers,
  setEmulatorSettings,
} from "../support/emulator";
import { paidOrderPayload } from "../support/orders";
import { reactionsWith } from "../support/reactions";
import { recordingQueue } from "../support/recording-queue";
import { storeUnqueued } from "../support/stored-events";

// A loyalty card read page by page (issue 22): the list action's pages are followed to the end, bounded, and a
// customer a page did not show is never made a second user; a customer found or made is remembered, so their
// next order reads only their balance; the search's misses are caught. On the real D1 and the emulator, whose
// list action pages at a size set per test.

const T0 = Date.UTC(2025, 0, 1);
const base = loadConfig(env);
const CARD = "demo-card";
const SCOPE = `coupontools-loyalty-card:${CARD}`;

function harness(options: Record<string, unknown>, callRoom?: () => boolean) {
  const alerts = parseReactions(
    { "alerts-to-chat": env.SHIPPED_REACTIONS["alerts-to-chat"] },
    Object.keys(base.routes),
  );
  const config = { ...base, reactions: [...reactionsWith("paid-order-stamps", options), ...alerts] };
  const testEnv = {
    ...env,
    EVENTS_QUEUE: recordingQueue<EventMessage>().queue,
    DELIVERIES_QUEUE: recordingQueue<DeliveryMessage>().queue,
    DEAD_LETTERS: recordingQueue<DeadLetterMessage>().queue,
  };
  const ctx = deliveryContext(testEnv, { config, now: () => T0, ...(callRoom && { callRoom }) });
  return (id: string, email: string) => order(id, email).then((row) => runDelivery(ctx, { deliveryId: row }));
}

async function order(id: string, email: string): Promise<string> {
  const eventId = await storeUnqueued("kooomo", paidOrderPayload(id, { email }), { receivedAt: T0 });
  const [row] = await planDeliveries(
    env.DB,
    eventId,
    [
      {
        reaction: "paid-order-stamps",
        recipe: "coupontools.add-stamps",
        connectionId: DEMO.coupontools,
        eventSeq: T0,
      },
    ],
    T0,
  );
  if (!row) throw new Error("not planned");
  return row.id;
}

const usersOf = async (email: string) =>
  (await emulatorState()).loyaltyUsers
    .filter((u) => u.email === email)
    .map((u) => ({ id: u.id, stamps: u.stamps }));
/** The vendor calls made since `since` entries of the log, by path (action calls by their vendor path). */
const callsSince = async (since: number) =>
  (await recordedRequests()).slice(since).flatMap((r) => (r.vendorPath === null ? [] : [r.vendorPath]));
const logLength = async () => (await recordedRequests()).length;
const remembered = async (email: string) =>
  rememberedUser(env.DB, {
    connectionId: DEMO.coupontools,
    scope: SCOPE,
    personHash: await emailKeyedHash(redactionSalt(env), email),
  });

// Each test's workspace differs (its settings): no action definition read by an earlier test is used.
beforeEach(async () => {
  await resetEmulator();
  forgetActionDefinitions();
});
afterEach(forgetActionDefinitions);

describe("a card of 5,000 users in pages of 100 (via action)", () => {
  // `card.member.<n>`: a local part with dots, which the v3 search does not take, so the card's list is read.
  const seed = () => seedLoyaltyUsers({ loyaltycard: CARD, count: 5_000, localPrefix: "card.member." });
  beforeEach(async () => {
    await seed();
    await setEmulatorSettings({ listPageSize: 100 });
  });

  it("a customer on the last page gets exactly one stamp and no second user", async () => {
    const run = harness({});
    const email = "card.member.5000@example.test";
    expect(await run("last-page", email)).toMatchObject({ status: "succeeded" });
    expect(await usersOf(email)).toEqual([{ id: "5000", stamps: 1 }]);
    const calls = await callsSince(0);
    expect(calls.filter((p) => p === "/v3/loyaltyusers/create")).toEqual([]);
    // Found on page 50, whose record also shows the balance: 50 pages, each a list action's vendor call.
    expect(calls.filter((p) => p === "/v3/loyaltyusers/list")).toHaveLength(50);
    expect((await emulatorState()).loyaltyUsers).toHaveLength(5_000);
    expect(await remembered(email)).toBe("5000");
  });

  it("fails past list_max_pages rather than call the customer absent, and creates no user", async () => {
    const run = harness({ list_max_pages: 10 });
    const step = await run("too-long", "card.member.4999@example.test");
    expect(step).toMatchObject({ status: "dead", code: "event_data_missing" });
    expect((step as { reason: string }).reason).toMatch(/more than 10 pages.*list_max_pages/);
    expect((await callsSince(0)).filter((p) => p === "/v3/loyaltyusers/create")).toEqual([]);
    expect((await emulatorState()).loyaltyUsers).toHaveLength(5_000);
  });

  it("stops a walk that has no room left in its alarm, creating nothing, and tries again later", async () => {
    let room = 20;
    const run = harness({}, () => room-- > 0);
    const step = await run("no-room", "someone.new@example.test");
    expect(step).toMatchObject({ status: "retrying", code: "busy" });
    expect((step as { reason: string }).reason).toMatch(/list walk stopped after \d+ page/);
    expect((await callsSince(0)).filter((p) => p === "/v3/loyaltyusers/create")).toEqual([]);
  });
});

describe("a returning customer", () => {
  it("with an address the search takes: one search and the stamps call, whatever the card's size", async () => {
    await seedLoyaltyUsers({ loyaltycard: CARD, count: 2_000 });
    await setEmulatorSettings({ listPageSize: 100 });
    const run = harness({});
    const email = "regular-customer@example.com";
    expect(await run("first", email)).toMatchObject({ status: "succeeded" });
    const [user] = await usersOf(email);
    expect(await remembered(email)).toBe(user?.id);

    const before = await logLength();
    expect(await run("second", email)).toMatchObject({ status: "succeeded" });
    expect(await callsSince(before)).toEqual(["/v3/loyaltyusers/search", "/v3/loyaltyusers/update"]);
    expect(await usersOf(email)).toEqual([{ id: user?.id, stamps: 2 }]);
  });

  it("whose remembered user is no longer on the card is looked up afresh, and remembered anew", async () => {
    const run = harness({ via: "proxy" });
    const email = "moved-on@example.com";
    expect(await run("first", email)).toMatchObject({ status: "succeeded" });
    const [user] = await usersOf(email);
    // A user the card does not have (deleted in Coupontools since).
    const key = {
      connectionId: DEMO.coupontools,
      scope: SCOPE,
      personHash: await emailKeyedHash(redactionSalt(env), email),
    };
    await rememberUser(env.DB, key, "987654", T0);
    expect(await run("second", email)).toMatchObject({ status: "succeeded" });
    expect(await usersOf(email)).toEqual([{ id: user?.id, stamps: 2 }]);
    expect(await remembered(email)).toBe(user?.id);
  });
});

describe("a search that matches whole fields only (not documented either way)", () => {
  it("is caught the first time a user it should show is missing: an alert, and the read falls back to the list", async () => {
    await setEmulatorSettings({ searchMatches: "whole" });
    const run = harness({});
    const email = "whole-only@example.com";
    expect(await run("new", email)).toMatchObject({ status: "succeeded" });
    expect(await usersOf(email)).toEqual([{ id: expect.any(String), stamps: 1 }]);
    const { results } = await env.DB.prepare(
      "SELECT event_json FROM events WHERE route = 'hookbridge' AND type = 'hookbridge.loyalty_search_missed'",
    ).all<{ event_json: string }>();
    expect(results.map((r) => JSON.parse(r.event_json).data)).toMatchObject([
      { connection: DEMO.coupontools, loyalty_card_id: CARD, user_id: (await usersOf(email))[0]?.id },
    ]);
  });
});

describe("a workspace whose list action names its cursor otherwise", () => {
  beforeEach(async () => {
    await seedLoyaltyUsers({ loyaltycard: CARD, count: 30, localPrefix: "renamed.cursor." });
    await setEmulatorSettings({
      listPageSize: 10,
      actionInputRenames: { "list-loyalty-card-users": { cursor: "pageCursor" } },
    });
  });

  it("fails at the second page, naming the field, rather than read the first page as the whole card", async () => {
    const step = await harness({})("cursor-default", "renamed.cursor.30@example.test");
    expect(step).toMatchObject({ status: "dead", code: "action_input_invalid" });
    expect((step as { reason: string }).reason).toMatch(/cursor/);
    expect((await emulatorState()).loyaltyUsers).toHaveLength(30);
  });

  it("follows the pages once the step renames it", async () => {
    const find_user = { key: "list-loyalty-card-users", rename: { cursor: "pageCursor" } };
    const step = await harness({ actions: { find_user } })(
      "cursor-renamed",
      "renamed.cursor.30@example.test",
    );
    expect(step).toMatchObject({ status: "succeeded" });
    expect(await usersOf("renamed.cursor.30@example.test")).toEqual([{ id: "30", stamps: 1 }]);
  });
});
