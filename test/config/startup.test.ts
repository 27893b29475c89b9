import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { validateAtStartup } from "../../src/config/startup";
import type { Env } from "../../src/env";
import { ConfigError } from "../../src/errors";

const bridgeEnv: Env = env;

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
  expect(() => validateAtStartup(rest)).toThrow(ConfigError);
  expect(() => validateAtStartup(rest)).toThrow(/MEMBRANE_/);
});

it("refuses a lease shorter than the longest attempt can take", () => {
  const shortLease: Env = { ...bridgeEnv, DELIVERY: { lease_ms: 5_000 }, MEMBRANE_TIMEOUT_MS: "15000" };
  expect(() => validateAtStartup(shortLease)).toThrow(
    /DELIVERY\.lease_ms \(5000\) must exceed the longest attempt, 90000 ms/,
  );
});

describe("LOG_LEVEL", () => {
  it("takes info, warn and error, and refuses any other value naming LOG_LEVEL and the levels", () => {
    for (const level of ["info", "warn", "error", undefined])
      expect(() => validateAtStartup({ ...bridgeEnv, LOG_LEVEL: level })).not.toThrow();
    const debug: Env = { ...bridgeEnv, LOG_LEVEL: "debug" };
    expect(() => validateAtStartup(debug)).toThrow(ConfigError);
    expect(() => validateAtStartup(debug)).toThrow(
      /LOG_LEVEL must be one of info, warn, error \(got "debug"\)/,
    );
  });
});

describe("ADMIN_TOKEN", () => {
  it("refuses a token shorter than 32 characters, naming ADMIN_TOKEN and the minimum", () => {
    const short: Env = { ...bridgeEnv, ADMIN_TOKEN: "x".repeat(31) };
    expect(() => validateAtStartup(short)).toThrow(ConfigError);
    expect(() => validateAtStartup(short)).toThrow(
      /ADMIN_TOKEN must be at least 32 characters \(it has 31\)/,
    );
    // The token itself never appears in the message.
    expect(() => validateAtStartup(short)).not.toThrow(/x{31}/);
  });

  it("accepts 32 characters, and an unset or empty token (the admin surface is then off)", () => {
    const { ADMIN_TOKEN: _unset, ...withoutToken } = bridgeEnv;
    for (const candidate of [
      { ...bridgeEnv, ADMIN_TOKEN: "y".repeat(32) },
      { ...bridgeEnv, ADMIN_TOKEN: "" },
      withoutToken,
    ]) {
      expect(() => validateAtStartup(candidate)).not.toThrow();
    }
  });

  it("refuses an invalid ADMIN_THROTTLE table", () => {
    const bad: Env = { ...bridgeEnv, ADMIN_THROTTLE: { max_failures: 0 } };
    expect(() => validateAtStartup(bad)).toThrow(/ADMIN_THROTTLE\.max_failures/);
  });
});

it("refuses to start without a usable REDACTION_SALT, which the ingress needs for every delivery", () => {
  const { REDACTION_SALT: _salt, ...rest } = bridgeEnv;
  expect(() => validateAtStartup(rest)).toThrow(/REDACTION_SALT/);
  expect(() => validateAtStartup({ ...bridgeEnv, REDACTION_SALT: "short" })).toThrow(ConfigError);
});

it("accepts the whole shipped reactions table, declarative and alert reactions included", () => {
  const shipped = validateAtStartup({ ...bridgeEnv, REACTIONS: env.SHIPPED_REACTIONS }).reactions;
  expect(shipped.map((r) => r.name)).toEqual(
    expect.arrayContaining(["vip-coupon-by-email", "alerts-to-chat"]),
  );
});

it("refuses to start on a reaction expression that does not parse, naming the reaction and field", () => {
  const reactions = {
    ...env.SHIPPED_REACTIONS,
    "vip-coupon-by-email": {
      ...(env.SHIPPED_REACTIONS["vip-coupon-by-email"] as object),
      when: 'data.total.amount_minor > "',
    },
  };
  expect(() => validateAtStartup({ ...bridgeEnv, REACTIONS: reactions })).toThrow(
    /^invalid reaction config: reactions\.vip-coupon-by-email\.when: does not parse \(S0101/,
  );
});
