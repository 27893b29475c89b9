import { describe, expect, it } from "vitest";
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

  it("refuses an unknown action key, a via the recipe cannot use, and an unknown via, naming reaction and field", () => {
    const withOptions = (options: Record<string, unknown>) => ({
      s: { ...stamps, options: { loyalty_card_id: "c", ...options } },
    });
    expect(problems(withOptions({ actions: { add_stamps: "add-stamp" } }))).toMatch(
      /reactions\.s\.options\.actions\.add_stamps: unknown action key; known: add-stamps-to-loyalty-card/,
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
