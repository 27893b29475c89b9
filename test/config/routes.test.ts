import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseRoutes, routeSecrets } from "../../src/config/routes";
import { ConfigError } from "../../src/errors";

const good = {
  vendor: "kooomo",
  secrets: ["KOOOMO_WEBHOOK_SECRET"],
  verifier: { type: "standard-webhooks" },
  dedupe: { from: "header", name: "Webhook-Id" },
};

function configError(raw: unknown): string {
  try {
    parseRoutes(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}

describe("route config", () => {
  it("parses the shipped wrangler.toml routes with defaults filled in", () => {
    const routes = parseRoutes(env.ROUTES);
    expect(Object.keys(routes)).toEqual(["kooomo", "ometria", "coupontools"]);
    expect(routes.kooomo).toMatchObject({
      name: "kooomo",
      vendor: "kooomo",
      verifier: { type: "standard-webhooks", tolerance_seconds: 300 },
      max_body_bytes: 1_000_000,
    });
  });

  it("normalises a single secret name to a list and header names to lower case", () => {
    const routes = parseRoutes({ shop: { ...good, secrets: "SHOP_SECRET" } });
    expect(routes.shop?.secrets).toEqual(["SHOP_SECRET"]);
    expect(routes.shop?.dedupe).toEqual({ from: "header", name: "webhook-id" });
  });

  it("names the route and the field of each problem", () => {
    expect(configError({ shop: { ...good, verifier: { type: "hmac" } } })).toMatch(/routes\.shop\.verifier/);
    expect(configError({ shop: { ...good, vendor: "shopify" } })).toMatch(/routes\.shop\.vendor/);
    expect(configError({ shop: { ...good, max_body_bytes: -1 } })).toMatch(/routes\.shop\.max_body_bytes/);
    // A D1 row holds at most 1,000,000 bytes: a larger limit could accept bodies that cannot be stored.
    expect(configError({ shop: { ...good, max_body_bytes: 1_000_001 } })).toMatch(
      /routes\.shop\.max_body_bytes/,
    );
    expect(configError({ shop: { ...good, secrets: ["lower_case"] } })).toMatch(/routes\.shop\.secrets\.0/);
    expect(configError({ shop: { ...good, dedupe: { from: "cookie" } } })).toMatch(/routes\.shop\.dedupe/);
    expect(configError({ shop: { ...good, surprise: true } })).toMatch(/routes\.shop.*surprise/);
    expect(configError({ "Bad Name": good })).toMatch(/routes\.Bad Name/);
    // The bridge's own alerts are stored under the route hookbridge.
    expect(configError({ hookbridge: good })).toMatch(
      /routes\.hookbridge: the route name hookbridge is the bridge's own/,
    );
  });

  it("refuses a Coupontools route that would de-duplicate on anything but the id it confirms", () => {
    const coupontools = {
      vendor: "coupontools",
      secrets: ["CT_TOKEN"],
      verifier: { type: "coupontools", connection: "ct" },
    };
    for (const dedupe of [
      { from: "body-sha256" },
      { from: "body", path: "data.id" },
      { from: "header", name: "x-id" },
    ]) {
      expect(configError({ ct: { ...coupontools, dedupe } })).toMatch(/routes\.ct\.dedupe: .*path = "id"/);
    }
    expect(parseRoutes({ ct: { ...coupontools, dedupe: { from: "body", path: "id" } } }).ct?.name).toBe("ct");
  });

  it("reports every broken route, not only the first", () => {
    const message = configError({ a: { ...good, vendor: "x" }, b: { ...good, dedupe: {} } });
    expect(message).toMatch(/routes\.a\.vendor/);
    expect(message).toMatch(/routes\.b\.dedupe/);
  });

  it("rejects a missing or empty ROUTES", () => {
    expect(configError(undefined)).toMatch(/ROUTES is not set/);
    expect(configError({})).toMatch(/no routes configured/);
    expect(configError("{not json")).toMatch(/not valid JSON/);
  });

  it("reads secrets newest first, skipping unset ones, and fails clearly when none is set", () => {
    const routes = parseRoutes({ shop: { ...good, secrets: ["NEW_SECRET", "OLD_SECRET"] } });
    const shop = routes.shop;
    if (!shop) throw new Error("route missing");
    expect(routeSecrets(shop, { NEW_SECRET: "n", OLD_SECRET: "o" })).toEqual(["n", "o"]);
    expect(routeSecrets(shop, { OLD_SECRET: "o" })).toEqual(["o"]);
    expect(() => routeSecrets(shop, {})).toThrow(
      /routes\.shop\.secrets: none of NEW_SECRET, OLD_SECRET is set/,
    );
  });
});
