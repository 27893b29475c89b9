import { describe, expect, it } from "vitest";
import { actionKeyHints } from "../../src/config/action-key-hints";
import { parseReactions, reactionsFor } from "../../src/config/reactions";
import { ConfigError } from "../../src/errors";

const routes = ["kooomo", "ometria", "coupontools"];
const stamps = {
  recipe: "coupontools.add-stamps",
  connection: "ct-1",
  options: { loyalty_card_id: "card-1" },
};

function problems(raw: unknown): string {
  try {
    parseReactions(raw, routes);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("reaction config", () => {
  it("fills recipe defaults and the event types the recipe accepts", () => {
    const [reaction] = parseReactions({ stamps }, routes);
    expect(reaction).toMatchObject({
      name: "stamps",
      connection: "ct-1",
      on: ["order.paid"],
      options: {
        loyalty_card_id: "card-1",
        stamp_rule: { per: "order", stamps: 1 },
        create_missing_user: true,
      },
    });
    expect(reaction?.recipe.key).toBe("coupontools.add-stamps");
  });

  it("takes a reaction's own retry schedule, checked like the global one", () => {
    const [reaction] = parseReactions({ stamps: { ...stamps, retry_schedule_seconds: [5, 30] } }, routes);
    expect(reaction?.retrySchedule).toEqual([5, 30]);
    expect(parseReactions({ stamps }, routes)[0]?.retrySchedule).toBeUndefined();
    expect(problems({ stamps: { ...stamps, retry_schedule_seconds: [] } })).toMatch(
      /reactions\.stamps\.retry_schedule_seconds: /,
    );
    expect(problems({ stamps: { ...stamps, retry_schedule_seconds: [0] } })).toMatch(
      /reactions\.stamps\.retry_schedule_seconds\.0: /,
    );
  });

  it("refuses two stamp reactions on one card through different connections (two lanes), takes them on one", () => {
    const other = {
      ...stamps,
      connection: "ct-2",
      options: { loyalty_card_id: "card-1", stamp_rule: { per: "order", stamps: 2 } },
    };
    expect(problems({ a: stamps, b: other })).toMatch(
      /reactions\.a, reactions\.b: each writes coupontools-loyalty-card:card-1 through another connection \(ct-1, ct-2\).*give them the same connection/,
    );
    // One connection: one lane orders one customer's deliveries of both reactions.
    expect(parseReactions({ a: stamps, b: { ...other, connection: "ct-1" } }, routes)).toHaveLength(2);
    // Other cards, or a disabled reaction, share nothing.
    expect(
      parseReactions({ a: stamps, b: { ...other, options: { loyalty_card_id: "card-2" } } }, routes),
    ).toHaveLength(2);
    expect(parseReactions({ a: stamps, b: { ...other, enabled: false } }, routes)).toHaveLength(1);
  });

  it("names the reaction and the field of every problem", () => {
    expect(problems({ s: { ...stamps, recipe: "coupontools.nope" } })).toMatch(
      /reactions\.s\.recipe: unknown recipe/,
    );
    expect(problems({ s: { ...stamps, options: {} } })).toMatch(/reactions\.s\.options\.loyalty_card_id/);
    expect(
      problems({
        s: { ...stamps, options: { loyalty_card_id: "c", stamp_rule: { per: "amount", per_units: 10 } } },
      }),
    ).toMatch(/reactions\.s\.options\.stamp_rule\.currency/);
    expect(problems({ s: { ...stamps, on: ["customer.created"] } })).toMatch(
      /reactions\.s\.on: coupontools\.add-stamps cannot react to customer\.created/,
    );
    expect(problems({ s: { ...stamps, routes: ["shopify"] } })).toMatch(
      /reactions\.s\.routes: no route named shopify/,
    );
    expect(problems({ s: { ...stamps, connection: "" } })).toMatch(/reactions\.s\.connection/);
    expect(problems({ s: { ...stamps, surprise: 1 } })).toMatch(/reactions\.s.*surprise/);
  });

  it("takes any action key (noted when the seeds do not list it), refuses a malformed step, a via the recipe cannot use, naming reaction and field", () => {
    const withOptions = (options: Record<string, unknown>) => ({
      s: { ...stamps, options: { loyalty_card_id: "c", ...options } },
    });
    // The workspace says at run time whether it has a key; the seeds' list is a hint for check-config.
    const [taken] = parseReactions(withOptions({ actions: { add_stamps: "add-stamp" } }), routes);
    expect((taken?.options as { actions?: { add_stamps: unknown } })?.actions?.add_stamps).toEqual({
      ref: { key: "add-stamp" },
    });
    expect(
      actionKeyHints(
        withOptions({ actions: { add_stamps: "add-stamp", find_user: { key: "list-loyalty-card-users" } } }),
      ),
    ).toEqual([
      'reactions.s.options.actions.add_stamps: "add-stamp" is not among the action keys the Membrane seeds list for coupontools; `npm run preflight` checks it against your workspace',
    ]);
    expect(problems(withOptions({ actions: { add_stamps: "add stamps!" } }))).toMatch(
      /reactions\.s\.options\.actions\.add_stamps: /,
    );
    expect(problems(withOptions({ actions: { add_stamps: { key: "a", id: "b" } } }))).toMatch(
      /reactions\.s\.options\.actions\.add_stamps: give key or id, not both/,
    );
    expect(problems(withOptions({ actions: { add_stamps: { map: "{" } } }))).toMatch(
      /reactions\.s\.options\.actions\.add_stamps\.map: does not parse/,
    );
    expect(problems(withOptions({ via: "webhook" }))).toMatch(/reactions\.s\.options\.via/);
    expect(
      problems({ push: { recipe: "ometria.push-order", connection: "om-1", options: { via: "action" } } }),
    ).toMatch(
      /reactions\.push\.options\.via: ometria\.push-order has no Membrane action; via must be "proxy"/,
    );
    expect(
      problems({
        push: { recipe: "ometria.push-order", connection: "om-1", options: { api_base_path: "/v2/" } },
      }),
    ).toMatch(/reactions\.push\.options\.api_base_path/);
    // All problems of one config in one message.
    const both = problems({
      ...withOptions({ via: "x" }),
      d: { recipe: "coupontools.directory-user", connection: "c" },
    });
    expect(both).toMatch(/reactions\.s\.options\.via.*reactions\.d\.options\.directory_id/);
  });

  it("defaults via per recipe: actions where field names are not public, the proxy elsewhere", () => {
    const parsed = parseReactions(
      {
        stamps,
        dir: { recipe: "coupontools.directory-user", connection: "c", options: { directory_id: "d" } },
        erase: { recipe: "ometria.gdpr-deletion", connection: "om-1" },
        push: { recipe: "ometria.push-order", connection: "om-1" },
      },
      routes,
    );
    expect(parsed.map((r) => [r.name, (r.options as { via: string }).via])).toEqual([
      ["stamps", "action"],
      ["dir", "proxy"],
      ["erase", "action"],
      ["push", "proxy"],
    ]);
  });

  it("leaves disabled reactions out, and selects reactions by event type and route", () => {
    const reactions = parseReactions(
      {
        stamps: { ...stamps, routes: ["kooomo"] },
        off: { ...stamps, enabled: false },
        erase: { recipe: "ometria.gdpr-deletion", connection: "om-1" },
      },
      routes,
    );
    expect(reactions.map((r) => r.name)).toEqual(["stamps", "erase"]);
    expect(reactionsFor(reactions, "order.paid", "kooomo").map((r) => r.name)).toEqual(["stamps"]);
    expect(reactionsFor(reactions, "order.paid", "ometria")).toEqual([]);
    expect(reactionsFor(reactions, "customer.erasure_requested", "ometria").map((r) => r.name)).toEqual([
      "erase",
    ]);
  });
});

describe("declarative reactions and filters at start-up", () => {
  const vip = {
    connection: "ct-1",
    on: ["order.paid"],
    when: "data.total.amount_minor > 10000",
    action: { key: "create-directory-user", input: '{"email": data.customer.email}' },
  };

  it("builds a recipe from the entry: not idempotent unless said so, with its own pace and schedule", () => {
    const [reaction] = parseReactions(
      { vip: { ...vip, pace: { limit: 5, per_seconds: 1 }, retry_schedule_seconds: [2] } },
      routes,
    );
    expect(reaction?.recipe).toMatchObject({
      key: "declarative.vip",
      accepts: ["order.paid"],
      idempotent: false,
      pace: { key: "declarative.vip", limit: 5, per_seconds: 1 },
    });
    expect(reaction?.retrySchedule).toEqual([2]);
    expect(reaction?.when?.source).toBe(vip.when);
    expect(parseReactions({ vip: { ...vip, idempotent: true } }, routes)[0]?.recipe.idempotent).toBe(true);
  });

  it("stops start-up on an expression that does not parse, naming the reaction and field", () => {
    expect(problems({ vip: { ...vip, when: "data.total >" } })).toMatch(
      /reactions\.vip\.when: does not parse \(S0207/,
    );
    expect(problems({ vip: { ...vip, action: { ...vip.action, input: '{"email": }' } } })).toMatch(
      /reactions\.vip\.action\.input: does not parse/,
    );
    expect(
      problems({
        vip: { ...vip, action: undefined, request: { method: "POST", path: "/x/{data.(}", body: "1" } },
      }),
    ).toMatch(/reactions\.vip\.request\.path: /);
    expect(problems({ stamps: { ...stamps, when: "(((" } })).toMatch(
      /reactions\.stamps\.when: does not parse/,
    );
  });

  it("stops start-up on a path no listened event type can have", () => {
    expect(problems({ vip: { ...vip, when: "data.customer.emial = 'x'" } })).toMatch(
      /reactions\.vip\.when: order\.paid has no field data\.customer\.emial/,
    );
    expect(
      problems({ vip: { ...vip, action: { ...vip.action, input: '{"n": $count(data.line_items.skus)}' } } }),
    ).toMatch(/reactions\.vip\.action\.input: order\.paid has no field data\.line_items\.skus/);
    expect(problems({ vip: { ...vip, when: "sender = 'x'" } })).toMatch(/has no field sender/);
    expect(problems({ stamps: { ...stamps, when: "data.email = 'x'" } })).toMatch(
      /reactions\.stamps\.when: order\.paid has no field data\.email/,
    );
    // Fields through arrays and optionals, envelope fields, predicates and $raw are accepted.
    expect(
      parseReactions(
        {
          vip: {
            ...vip,
            when: "vendor = 'kooomo' and $count(data.line_items[quantity > 1].sku) > 0 and $raw.anything",
          },
        },
        routes,
      ),
    ).toHaveLength(1);
  });

  it("takes any action key or an id, noting a key the seeds do not list for the app (unless `other`)", () => {
    const unknown = { vip: { ...vip, action: { ...vip.action, key: "send-coupon" } } };
    expect(parseReactions(unknown, routes)).toHaveLength(1);
    expect(actionKeyHints(unknown)).toEqual([
      'reactions.vip.action.key: "send-coupon" is not among the action keys the Membrane seeds list; `npm run preflight` checks it against your workspace',
    ]);
    const ometria = {
      vip: { ...vip, app: "ometria", action: { ...vip.action, key: "create-directory-user" } },
    };
    expect(actionKeyHints(ometria)).toEqual([expect.stringContaining("the Membrane seeds list for ometria")]);
    expect(
      actionKeyHints({ vip: { ...vip, app: "other", action: { ...vip.action, key: "post-message" } } }),
    ).toEqual([]);
    const byId = { vip: { ...vip, action: { id: "act_123", input: vip.action.input } } };
    expect(parseReactions(byId, routes)).toHaveLength(1);
    expect(problems({ vip: { ...vip, action: { key: "a", id: "b", input: vip.action.input } } })).toMatch(
      /reactions\.vip\.action: give the action's key or its id/,
    );
  });

  it("wants exactly one of action and request, and event types", () => {
    expect(problems({ vip: { ...vip, request: { method: "POST", path: "/x" } } })).toMatch(
      /reactions\.vip: give either action/,
    );
    expect(problems({ vip: { ...vip, on: undefined } })).toMatch(/reactions\.vip\.on: /);
  });
});
