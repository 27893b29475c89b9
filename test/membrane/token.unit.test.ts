import { decode, verify } from "hono/jwt";
import { describe, expect, it } from "vitest";
import {
  REMINT_MARGIN_SECONDS,
  StaticToken,
  TOKEN_LIFETIME_SECONDS,
  tokenSourceFor,
  WorkspaceTokenMinter,
} from "../../src/membrane/token";

const auth = { workspaceKey: "ws-key", workspaceSecret: "ws-secret", tenantKey: "tenant-1" };
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function clock(start = T0) {
  const c = { now: start, read: () => c.now };
  return c;
}

describe("WorkspaceTokenMinter", () => {
  it("signs HS256 over exactly {id, iss, exp} with the workspace secret", async () => {
    const token = await new WorkspaceTokenMinter(auth, clock().read).token();

    expect(token.split(".")).toHaveLength(3);
    const { header, payload } = decode(token);
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    expect(payload).toEqual({ id: "tenant-1", iss: "ws-key", exp: T0 / 1000 + TOKEN_LIFETIME_SECONDS });
    // The signature checks out with the secret (exp is in the real future only if we skip the exp check).
    await expect(verify(token, "ws-secret", { alg: "HS256", exp: false })).resolves.toMatchObject({
      iss: "ws-key",
    });
    await expect(verify(token, "other-secret", { alg: "HS256", exp: false })).rejects.toThrow();
  });

  it("reuses the token while at least a minute of validity remains", async () => {
    const c = clock();
    const minter = new WorkspaceTokenMinter(auth, c.read);
    const first = await minter.token();

    c.now = T0 + (TOKEN_LIFETIME_SECONDS - REMINT_MARGIN_SECONDS) * 1000;
    expect(await minter.token()).toBe(first);
  });

  it("mints a new token once fewer than 60 s remain", async () => {
    const c = clock();
    const minter = new WorkspaceTokenMinter(auth, c.read);
    const first = await minter.token();

    c.now = T0 + (TOKEN_LIFETIME_SECONDS - REMINT_MARGIN_SECONDS + 1) * 1000;
    const second = await minter.token();
    expect(second).not.toBe(first);
    expect(decode(second).payload.exp).toBe(c.now / 1000 + TOKEN_LIFETIME_SECONDS);
    expect(await minter.token()).toBe(second);
  });

  it("gives concurrent callers the same token", async () => {
    const minter = new WorkspaceTokenMinter(auth, clock().read);
    const tokens = await Promise.all([minter.token(), minter.token(), minter.token()]);
    expect(new Set(tokens).size).toBe(1);
  });
});

describe("tokenSourceFor", () => {
  it("sends a pre-issued token unchanged", async () => {
    const source = tokenSourceFor({ kind: "token", token: "pat-123" });
    expect(source).toBeInstanceOf(StaticToken);
    expect(await source.token()).toBe("pat-123");
  });

  it("shares one minter per workspace and tenant, and replaces it when the secret changes", async () => {
    const a = tokenSourceFor({ kind: "workspace", ...auth });
    const b = tokenSourceFor({ kind: "workspace", ...auth });
    const otherTenant = tokenSourceFor({ kind: "workspace", ...auth, tenantKey: "tenant-2" });
    const rotated = tokenSourceFor({ kind: "workspace", ...auth, workspaceSecret: "new-secret" });

    expect(b).toBe(a);
    expect(otherTenant).not.toBe(a);
    expect(rotated).not.toBe(a);
    await expect(verify(await rotated.token(), "new-secret", "HS256")).resolves.toMatchObject({
      id: "tenant-1",
    });
  });
});
