import { describe, expect, it } from "vitest";
import { laneConcurrency, loadDeliverySettings } from "../../src/config/delivery";
import { withPaces } from "../../src/config/paces";
import { parseReactions } from "../../src/config/reactions";
import { ConfigError } from "../../src/errors";

it("runs a named connection's lane at its own concurrency, every other at lane_concurrency", () => {
  const settings = loadDeliverySettings({
    lane_concurrency: 16,
    connection_concurrency: { "coupontools-demo": 96 },
  });
  expect(laneConcurrency(settings, "coupontools-demo")).toBe(96);
  expect(laneConcurrency(settings, "ometria-demo")).toBe(16);
  expect(laneConcurrency(loadDeliverySettings({}), "coupontools-demo")).toBe(32);
});

it("refuses a connection concurrency outside 1-256, naming the setting", () => {
  for (const bad of [0, 257, 2.5, "8"]) {
    expect(() => loadDeliverySettings({ connection_concurrency: { "coupontools-demo": bad } })).toThrow(
      ConfigError,
    );
  }
  expect(() => loadDeliverySettings({ connection_concurrency: { "coupontools-demo": 0 } })).toThrow(
    /DELIVERY\.connection_concurrency\.coupontools-demo/,
  );
});

it("takes pump_subrequests from 100 (8,000 by default) and refuses less, or a fraction, naming the setting", () => {
  expect(loadDeliverySettings({}).pump_subrequests).toBe(8_000);
  expect(loadDeliverySettings({ pump_subrequests: 800 }).pump_subrequests).toBe(800);
  for (const bad of [99, 0, 800.5, "800"]) {
    expect(() => loadDeliverySettings({ pump_subrequests: bad })).toThrow(/DELIVERY\.pump_subrequests/);
  }
});

it("takes pump_d1_queries from 20 to D1's 1,000 (950 by default), and relays on unless turned off", () => {
  expect(loadDeliverySettings({})).toMatchObject({ pump_d1_queries: 950, relays: true });
  expect(loadDeliverySettings({ pump_d1_queries: 45, relays: false })).toMatchObject({
    pump_d1_queries: 45,
    relays: false,
  });
  for (const bad of [19, 1_001, 50.5]) {
    expect(() => loadDeliverySettings({ pump_d1_queries: bad })).toThrow(/DELIVERY\.pump_d1_queries/);
  }
  expect(() => loadDeliverySettings({ relays: "no" })).toThrow(/DELIVERY\.relays/);
});

describe("a connection's own vendor limits (DELIVERY.connection_pace)", () => {
  const routes = ["kooomo"];
  const reactions = () =>
    parseReactions(
      {
        orders: { recipe: "ometria.push-order", connection: "om-1" },
        erasures: { recipe: "ometria.gdpr-deletion", connection: "om-1" },
        elsewhere: { recipe: "ometria.push-order", connection: "om-2" },
      },
      routes,
    );
  const pace = (list: ReturnType<typeof withPaces>, name: string) => list.find((r) => r.name === name)?.pace;

  it("keeps the documented defaults, and replaces a bucket's pace on the connection that sets it only", () => {
    const defaults = withPaces(reactions(), loadDeliverySettings({}));
    expect(pace(defaults, "orders")).toEqual({ key: "ometria-push", limit: 8, per_seconds: 1 });
    expect(pace(defaults, "erasures")).toEqual({ key: "ometria-data-deletion", limit: 6, per_seconds: 60 });
    const own = withPaces(
      reactions(),
      loadDeliverySettings({ connection_pace: { "om-1": { "ometria-push": { limit: 4, per_seconds: 1 } } } }),
    );
    expect(pace(own, "orders")).toEqual({ key: "ometria-push", limit: 4, per_seconds: 1 });
    expect(pace(own, "erasures")).toEqual({ key: "ometria-data-deletion", limit: 6, per_seconds: 60 });
    expect(pace(own, "elsewhere")).toEqual({ key: "ometria-push", limit: 8, per_seconds: 1 });
  });

  it("refuses a bucket no reaction of the connection is paced by, naming the ones it has", () => {
    const settings = loadDeliverySettings({
      connection_pace: { "om-1": { "ometria-pushes": { limit: 4, per_seconds: 1 } } },
    });
    expect(() => withPaces(reactions(), settings)).toThrow(ConfigError);
    expect(() => withPaces(reactions(), settings)).toThrow(
      /connection_pace\.om-1\.ometria-pushes.*its buckets: ometria-push, ometria-data-deletion/,
    );
  });

  it("refuses a limit of 0 or a fraction, naming the setting", () => {
    expect(() =>
      loadDeliverySettings({ connection_pace: { "om-1": { "ometria-push": { limit: 0, per_seconds: 1 } } } }),
    ).toThrow(/DELIVERY\.connection_pace\.om-1\.ometria-push\.limit/);
  });
});

it("reads DELIVERY given as a JSON string (wrangler dev --var), and names a bad one's fields", () => {
  expect(loadDeliverySettings('{"breaker_min_calls": 7}').breaker_min_calls).toBe(7);
  expect(() => loadDeliverySettings('{"breaker_open_rate": 2}')).toThrow(/DELIVERY.breaker_open_rate/);
  expect(() => loadDeliverySettings("not json")).toThrow(/invalid settings: DELIVERY/);
});
