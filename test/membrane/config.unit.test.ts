import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors";
import { DEFAULT_TENANT_KEY, parseMembraneConfig } from "../../src/membrane/config";

const workspace = { MEMBRANE_WORKSPACE_KEY: "ws-key", MEMBRANE_WORKSPACE_SECRET: "ws-secret" };

describe("parseMembraneConfig", () => {
  it("defaults the API URL and timeout, and the tenant key", () => {
    expect(parseMembraneConfig(workspace)).toEqual({
      apiUrl: "https://api.getmembrane.com",
      timeoutMs: 15_000,
      auth: {
        kind: "workspace",
        workspaceKey: "ws-key",
        workspaceSecret: "ws-secret",
        tenantKey: DEFAULT_TENANT_KEY,
      },
    });
  });

  it("reads the URL (without trailing slash), tenant and timeout", () => {
    const config = parseMembraneConfig({
      ...workspace,
      MEMBRANE_API_URL: "http://127.0.0.1:8788/",
      MEMBRANE_TENANT_KEY: "acme",
      MEMBRANE_TIMEOUT_MS: "2500",
    });
    expect(config).toMatchObject({
      apiUrl: "http://127.0.0.1:8788",
      timeoutMs: 2500,
      auth: { tenantKey: "acme" },
    });
  });

  it("uses a pre-issued token as it is, in preference to the key and secret", () => {
    expect(parseMembraneConfig({ ...workspace, MEMBRANE_TOKEN: "pat-abc" }).auth).toEqual({
      kind: "token",
      token: "pat-abc",
    });
  });

  it("names the missing half of the workspace pair", () => {
    expect(() => parseMembraneConfig({ MEMBRANE_WORKSPACE_KEY: "ws-key" })).toThrow(
      /MEMBRANE_WORKSPACE_SECRET/,
    );
    expect(() => parseMembraneConfig({ MEMBRANE_WORKSPACE_SECRET: "s", MEMBRANE_TOKEN: "" })).toThrow(
      /MEMBRANE_WORKSPACE_KEY/,
    );
  });

  it("throws a ConfigError naming both auth forms when no credentials are set (empty counts as unset)", () => {
    const attempt = () => parseMembraneConfig({ MEMBRANE_TOKEN: "", MEMBRANE_WORKSPACE_KEY: "" });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/MEMBRANE_WORKSPACE_KEY and MEMBRANE_WORKSPACE_SECRET, or MEMBRANE_TOKEN/);
  });

  it("rejects a malformed URL or timeout by name, without echoing values", () => {
    expect(() => parseMembraneConfig({ ...workspace, MEMBRANE_API_URL: "not a url" })).toThrow(
      /MEMBRANE_API_URL/,
    );
    expect(() => parseMembraneConfig({ ...workspace, MEMBRANE_TIMEOUT_MS: "-5" })).toThrow(
      /MEMBRANE_TIMEOUT_MS/,
    );
    let caught: unknown;
    try {
      parseMembraneConfig({ ...workspace, MEMBRANE_API_URL: "not a url" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe("config_invalid");
    expect((caught as ConfigError).message).not.toMatch(/not a url|ws-secret/);
  });
});
