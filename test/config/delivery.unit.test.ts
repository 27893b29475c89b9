import { expect, it } from "vitest";
import { laneConcurrency, loadDeliverySettings } from "../../src/config/delivery";
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
