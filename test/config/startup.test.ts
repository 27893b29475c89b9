import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { validateAtStartup } from "../../src/config/startup";
import type { Env } from "../../src/env";
import { ConfigError } from "../../src/errors";

const bridgeEnv = env as unknown as Env;

it("accepts the shipped configuration with the demo Membrane credentials", () => {
  expect(validateAtStartup({ ...bridgeEnv }).reactions.length).toBeGreaterThan(0);
});

it("refuses to start without Membrane credentials when reactions are configured", () => {
  const {
    MEMBRANE_WORKSPACE_KEY: _k,
    MEMBRANE_WORKSPACE_SECRET: _s,
    MEMBRANE_TOKEN: _t,
    ...rest
  } = bridgeEnv;
  expect(() => validateAtStartup(rest as Env)).toThrow(ConfigError);
  expect(() => validateAtStartup(rest as Env)).toThrow(/MEMBRANE_/);
});

it("refuses a lease shorter than the longest attempt can take", () => {
  const shortLease = { ...bridgeEnv, DELIVERY: { lease_ms: 5_000 }, MEMBRANE_TIMEOUT_MS: "15000" } as Env;
  expect(() => validateAtStartup(shortLease)).toThrow(
    /DELIVERY\.lease_ms \(5000\) must exceed the longest attempt, 60000 ms/,
  );
});
