import { beforeEach, describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../../src/events/cloudevent";
import type { EventType } from "../../src/events/types";
import { buildEvent } from "../../src/ingress/build-event";
import { FreshReads } from "../../src/lib/fresh-reads";
import { recipes } from "../../src/reactions/recipes";
import { createdId } from "../../src/reactions/records";
import type { AnyRecipe, ReactionResult } from "../../src/reactions/types";
import { vendors } from "../../src/vendors";
import couponValidated from "../fixtures/coupontools/coupon-validated.json";
import customerCreated from "../fixtures/kooomo/customer-created.json";
import erasure from "../fixtures/kooomo/customer-erasure-requested.json";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import {
  DEMO,
  emulatorClient,
  emulatorState,
  injectFault,
  recordedRequests,
  resetEmulator,
  setEmulatorSettings,
} from "../support/emulator";
import { paidOrderPayload } from "../support/orders";

// Each recipe's requests, run against the emulator: its vendor routes and actions enforce the vendors'
// documented contracts (emulator/src/vendors/*.ts), so a request the docs refuse fails here.

beforeEach(resetEmulator);

function event<T extends EventType>(vendor: "kooomo" | "coupontools", payload: unknown): CanonicalEvent<T> {
  const normalized = vendors[vendor].normalize(payload);
  return buildEvent(
    crypto.randomUUID(),
    { name: vendor, vendor },
    normalized,
    new Date(),
  ) as CanonicalEvent<T>;
}
function paidOrder(id: string, customer: Record<string, unknown> = {}, total?: string) {
  return event<"order.paid">("kooomo", paidOrderPayload(id, customer, total ? { total } : {}));
}

async function run(
  recipe: AnyRecipe,
  ev: CanonicalEvent,
  options: Record<string, unknown>,
  connectionId: string,
) {
  const result: ReactionResult = await recipe.run(ev, recipe.options.parse(options), {
    membrane: emulatorClient(),
    connectionId,
  });
  return result;
}
const stamps = recipes["coupontools.add-stamps"] as AnyRecipe;
const directory = recipes["coupontools.directory-user"] as AnyRecipe;
const deletion = recipes["ometria.gdpr-deletion"] as AnyRecipe;
const pushOrder = recipes["ometria.push-order"] as AnyRecipe;
const customEvent = recipes["ometria.custom-event"] as AnyRecipe;

/** Every vendor call the emulator saw (by the proxy or inside an action), with its status. */
const vendorCalls = async () =>
  (await recordedRequests()).filter((r) => r.vendorPath !== null).map((r) => [r.vendorPath, r.status]);

describe.each(["proxy", "action"] as const)("coupontools.add-stamps via %s", (via) => {
  const options = { loyalty_card_id: "demo-card", via };

  it("a customer NOT on the card ends created, linked and stamped exactly once; a second order finds them", async () => {
    const first = await run(stamps, paidOrder("o-1"), options, DEMO.coupontools);
    expect(first).toMatchObject({ kind: "success" });
    const second = await run(stamps, paidOrder("o-2"), options, DEMO.coupontools);
    expect(second).toMatchObject({ kind: "success" });

    const { loyaltyUsers } = await emulatorState();
    expect(loyaltyUsers).toMatchObject([
      { email: "ada@example.com", loyaltycard: "demo-card", first_name: "Ada", stamps: 2 },
    ]);
    const calls = await vendorCalls();
    // Every vendor call was accepted by the documented contract.
    expect(calls.every(([, status]) => status === 200)).toBe(true);
    expect(calls.filter(([path]) => path === "/v3/loyaltyusers/create")).toHaveLength(1);
    expect(calls.filter(([path]) => path === "/v3/loyaltyusers/link")).toHaveLength(1);
    expect(calls.filter(([path]) => path === "/v3/loyaltyusers/update")).toHaveLength(2);
    if (via === "action") {
      expect(first).toMatchObject({ actionRunId: expect.stringMatching(/^arun_/) });
    }
  });

  it("finds a customer whose e-mail has a '.' before the @ (not a valid search term) by exact e-mail", async () => {
    const customer = { email: "ada.lovelace@example.com" };
    expect(await run(stamps, paidOrder("o-1", customer), options, DEMO.coupontools)).toMatchObject({
      kind: "success",
    });
    expect(await run(stamps, paidOrder("o-2", customer), options, DEMO.coupontools)).toMatchObject({
      kind: "success",
    });
    expect((await emulatorState()).loyaltyUsers).toMatchObject([
      { email: "ada.lovelace@example.com", stamps: 2 },
    ]);
    const paths = (await vendorCalls()).map(([path]) => path);
    expect(paths).not.toContain("/v3/loyaltyusers/search");
    expect(paths.filter((p) => p === "/v3/loyaltyusers/create")).toHaveLength(1);
  });

  it("skips an order that earns no stamps, calling nothing", async () => {
    const rule = { per: "amount", per_units: 1000, currency: "EUR" };
    const result = await run(stamps, paidOrder("o-1"), { ...options, stamp_rule: rule }, DEMO.coupontools);
    expect(result).toMatchObject({ kind: "skipped" });
    expect(await recordedRequests()).toEqual([]);
  });
});

describe("coupontools.add-stamps: long cards and deliveries running together (via action)", () => {
  const options = { loyalty_card_id: "demo-card", via: "action" };
  const client = emulatorClient();
  const proxy = (path: string, body: unknown) =>
    client.proxy({ connectionId: DEMO.coupontools, method: "POST", path, body });

  /** Puts `count` users with long names on the card: the list action's answer grows past 64 KiB. */
  async function longCard(count: number) {
    for (let i = 0; i < count; i++) {
      const name = `${"N".repeat(190)}${i}`;
      const created = await proxy("/v3/loyaltyusers/create", {
        email: `member${i}@example.com`,
        password: "a-long-enough-password",
        first_name: name,
        last_name: name,
      });
      const user = created.kind === "success" ? createdId(created.body) : undefined;
      expect(user).toBeDefined();
      expect(await proxy("/v3/loyaltyusers/link", { loyaltycard: "demo-card", user })).toMatchObject({
        kind: "success",
      });
    }
  }

  it("finds the customer in a list longer than 64 KiB; a list cut at list_read_limit_bytes creates no user", async () => {
    await longCard(170);
    // The card's list in one page, read for every customer (find_by "list"): the answer passes 64 KiB.
    await setEmulatorSettings({ listPageSize: 1_000 });
    const listed = { ...options, find_by: "list" };
    const cut = await run(
      stamps,
      paidOrder("o-1"),
      { ...listed, list_read_limit_bytes: 65536 },
      DEMO.coupontools,
    );
    expect(cut).toMatchObject({ kind: "missing_data" });
    expect((cut as { reason: string }).reason).toMatch(/list_read_limit_bytes/);
    expect((await emulatorState()).loyaltyUsers).toHaveLength(170);

    expect(await run(stamps, paidOrder("o-2"), listed, DEMO.coupontools)).toMatchObject({ kind: "success" });
    expect(await run(stamps, paidOrder("o-3"), listed, DEMO.coupontools)).toMatchObject({ kind: "success" });
    const ada = (await emulatorState()).loyaltyUsers.filter((u) => u.email === "ada@example.com");
    expect(ada).toMatchObject([{ loyaltycard: "demo-card", stamps: 2 }]);
  });

  it("deliveries running at the same time share list reads, and each customer still gets exactly one stamp", async () => {
    const reads = new FreshReads();
    const orders = Array.from({ length: 10 }, (_, i) => paidOrder(`o-${i}`, { email: `c${i}@example.com` }));
    const results = await Promise.all(
      orders.map((order) =>
        stamps.run(order, stamps.options.parse(options), {
          membrane: client,
          connectionId: DEMO.coupontools,
          shared: (key, read) => reads.read(key, read),
        }),
      ),
    );
    expect(results.every((r) => r.kind === "success")).toBe(true);
    const users = (await emulatorState()).loyaltyUsers;
    expect(users).toHaveLength(10);
    expect(users.every((u) => u.stamps === 1)).toBe(true);
    // Alone, each order lists the card twice (to find the user, then to read the new user's balance): 20.
    const lists = (await recordedRequests()).filter((r) => r.vendorPath === "/v3/loyaltyusers/list");
    expect(lists.length).toBeLessThanOrEqual(6);
  });
});

describe("coupontools.add-stamps: the stamps amount field (not public)", () => {
  it("a proxy call with another name than the vendor's is refused; stamps_field fixes it; the action owns it", async () => {
    await setEmulatorSettings({ stampsField: "points" });
    const proxy = { loyalty_card_id: "demo-card", via: "proxy" };
    const refused = await run(stamps, paidOrder("o-1"), proxy, DEMO.coupontools);
    expect(refused).toMatchObject({ kind: "permanent", code: "vendor_rejected", vendorCode: "200" });
    expect((refused as { reason: string }).reason).toMatch(/Missing parameter: points/);
    const fixed = await run(stamps, paidOrder("o-2"), { ...proxy, stamps_field: "points" }, DEMO.coupontools);
    expect(fixed).toMatchObject({ kind: "success" });
    const viaAction = await run(stamps, paidOrder("o-3"), { loyalty_card_id: "demo-card" }, DEMO.coupontools);
    expect(viaAction).toMatchObject({ kind: "success" });
    expect((await emulatorState()).loyaltyUsers).toMatchObject([{ stamps: 2 }]);
  });
});

describe.each(["proxy", "action"] as const)("coupontools.directory-user via %s", (via) => {
  it("registers a consenting customer; a second time is 'already registered' (error_code 304)", async () => {
    const ev = event<"customer.created">("kooomo", customerCreated);
    const options = { directory_id: "demo-directory", via };
    expect(await run(directory, ev, options, DEMO.coupontools)).toMatchObject({ kind: "success" });
    expect(await run(directory, ev, options, DEMO.coupontools)).toEqual({
      kind: "skipped",
      reason: "already registered in the directory",
    });
    expect((await emulatorState()).directoryUsers).toHaveLength(1);
  });
});

describe.each([
  ["proxy", ""],
  ["proxy", "/v2"],
  ["action", ""],
  ["action", "/v2"],
] as const)("Ometria via %s, API base path %j", (via, base) => {
  beforeEach(() => setEmulatorSettings({ ometriaBasePath: base }));

  it("ometria.gdpr-deletion creates a deletion request for the e-mail", async () => {
    const ev = event<"customer.erasure_requested">("kooomo", erasure);
    const result = await run(deletion, ev, { via, api_base_path: base }, DEMO.ometria);
    expect(result).toMatchObject({ kind: "success" });
    expect((await emulatorState()).deletionRequests).toMatchObject([{ email: erasure.data.email }]);
  });
});

describe.each(["", "/v2"])("Ometria push recipes (proxy only), API base path %j", (base) => {
  beforeEach(() => setEmulatorSettings({ ometriaBasePath: base }));

  it("pushes one order and one custom event, each a one-type array Ometria accepts", async () => {
    const options = { api_base_path: base };
    expect(await run(pushOrder, paidOrder("o-1"), options, DEMO.ometria)).toMatchObject({ kind: "success" });
    const coupon = event<"coupon.validated">("coupontools", couponValidated);
    expect(await run(customEvent, coupon, options, DEMO.ometria)).toMatchObject({ kind: "success" });
    const types = (await emulatorState()).pushedRecords.map((r) => r["@type"]).sort();
    expect(types).toEqual(["custom_event", "order"]);
  });
});

describe("Ometria push limits", () => {
  it("does not send a record over max_record_bytes", async () => {
    const items = Array.from({ length: 30 }, () => orderPaid.data.items).flat();
    const big = event<"order.paid">("kooomo", { ...orderPaid, data: { ...orderPaid.data, items } });
    const result = await run(pushOrder, big, { max_record_bytes: 1024 }, DEMO.ometria);
    expect(result).toMatchObject({ kind: "missing_data", reason: expect.stringMatching(/at most 1024/) });
    expect(await recordedRequests()).toEqual([]);
  });
});

describe("ambiguous answers to the stamps call", () => {
  it.each(["proxy", "action"] as const)(
    "a vendor 504 on the stamps call via %s is unknown, never retried",
    async (via) => {
      await injectFault({
        match: { pathPrefix: "/v3/loyaltyusers/update" },
        status: 504,
        applyThenFail: true,
      });
      const result = await run(
        stamps,
        paidOrder("o-1"),
        { loyalty_card_id: "demo-card", via },
        DEMO.coupontools,
      );
      expect(result).toMatchObject({ kind: "unknown" });
      // The gateway's call did land: exactly one stamp.
      expect((await emulatorState()).loyaltyUsers).toMatchObject([{ stamps: 1 }]);
    },
  );

  it("a directory 409 also means 'already registered' (the duplicate answer is not documented)", async () => {
    await injectFault({ match: { pathPrefix: "/v4/directory/" }, status: 409, body: { message: "exists" } });
    const ev = event<"customer.created">("kooomo", customerCreated);
    const result = await run(directory, ev, { directory_id: "demo-directory" }, DEMO.coupontools);
    expect(result).toEqual({ kind: "skipped", reason: "already registered in the directory" });
  });
});

describe("coupontools.add-stamps: ambiguous answers are reconciled from the stamp balance", () => {
  const ctx = () => ({ membrane: emulatorClient(), connectionId: DEMO.coupontools });
  const reconcile = (ev: CanonicalEvent, options: Record<string, unknown>, saved: unknown) =>
    stamps.reconcile?.(ev, stamps.options.parse(options), ctx(), saved);

  describe.each(["proxy", "action"] as const)("via %s", (via) => {
    const options = { loyalty_card_id: "demo-card", via };

    it.each([500, 503, 520, 524])(
      "applied, then %i: unknown with the balance read before; reconciling says applied",
      async (status) => {
        // An origin error page behind Cloudflare is text, not JSON.
        await injectFault({
          match: { pathPrefix: "/v3/loyaltyusers/update" },
          status,
          applyThenFail: true,
          body: `error code: ${status}`,
        });
        const ev = paidOrder("o-1");
        const result = await run(stamps, ev, options, DEMO.coupontools);
        expect(result).toMatchObject({
          kind: "unknown",
          saved: { userId: expect.any(String), baseline: 0, stamps: 1 },
        });
        const saved = result.kind === "unknown" ? result.saved : undefined;
        expect(await reconcile(ev, options, saved)).toMatchObject({ verdict: "applied" });
        expect((await emulatorState()).loyaltyUsers).toMatchObject([{ stamps: 1 }]);
      },
    );

    it("a 500 that was not applied: reconciling says not applied", async () => {
      await run(stamps, paidOrder("o-0"), options, DEMO.coupontools); // the user exists with 1 stamp
      await injectFault({ match: { pathPrefix: "/v3/loyaltyusers/update" }, status: 500 });
      const ev = paidOrder("o-1");
      const result = await run(stamps, ev, options, DEMO.coupontools);
      expect(result).toMatchObject({ kind: "unknown", saved: { baseline: 1, stamps: 1 } });
      const saved = result.kind === "unknown" ? result.saved : undefined;
      expect(await reconcile(ev, options, saved)).toEqual({ verdict: "not_applied", check: "stamp balance" });
    });

    it("a balance moved by something else cannot be told: unknown", async () => {
      const ev = paidOrder("o-1");
      await run(stamps, ev, options, DEMO.coupontools); // balance 1
      const userId = (await emulatorState()).loyaltyUsers[0]?.id;
      // Saved before a call of 1 stamp at balance 3: now 1, neither 3 nor 4.
      const found = await reconcile(ev, options, { userId, baseline: 3, stamps: 1 });
      expect(found).toMatchObject({ verdict: "unknown", reason: expect.stringMatching(/from 3 to 1/) });
    });

    it("429 means not applied: a plain transient failure, retried", async () => {
      // Refused three times: the two tries within the attempt too (src/reactions/retry-in-attempt.ts).
      await injectFault({ match: { pathPrefix: "/v3/loyaltyusers/update" }, status: 429, times: 3 });
      const result = await run(stamps, paidOrder("o-1"), options, DEMO.coupontools);
      expect(result).toMatchObject({ kind: "transient", code: "rate_limited" });
    });

    it("no readable balance: an ambiguous call stays unknown with nothing to reconcile", async () => {
      await injectFault({
        match: { pathPrefix: "/v3/loyaltyusers/update" },
        status: 500,
        applyThenFail: true,
      });
      const result = await run(
        stamps,
        paidOrder("o-1"),
        { ...options, balance_field: "points_total" },
        DEMO.coupontools,
      );
      expect(result).toMatchObject({ kind: "unknown" });
      expect(result).not.toHaveProperty("saved");
    });
  });

  it("a Membrane refusal before forwarding is not ambiguous (expired credentials: retried)", async () => {
    await injectFault({
      match: { pathPrefix: "/v3/loyaltyusers/update" },
      status: 401,
      body: { type: "connection", key: "access_token_expired", message: "expired" },
    });
    const result = await run(
      stamps,
      paidOrder("o-1"),
      { loyalty_card_id: "demo-card", via: "proxy" },
      DEMO.coupontools,
    );
    expect(result).toMatchObject({ kind: "transient", code: "credentials_expired" });
  });
});
