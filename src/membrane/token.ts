import { sign } from "hono/jwt";
import type { MembraneAuth } from "./config";

/** Gives the bearer token for the next request. */
export interface TokenSource {
  token(): Promise<string>;
}

/** Minted tokens live one hour, as the Membrane SDK mints them. */
export const TOKEN_LIFETIME_SECONDS = 3600;
/** A token with less than this left is replaced, so it cannot expire while a request is in flight. */
export const REMINT_MARGIN_SECONDS = 60;

type WorkspaceAuth = Extract<MembraneAuth, { kind: "workspace" }>;

/** A pre-issued token (personal access token or console-issued), sent as it is. */
export class StaticToken implements TokenSource {
  constructor(private readonly value: string) {}
  token(): Promise<string> {
    return Promise.resolve(this.value);
  }
}

/**
 * Signs the token the Membrane SDK signs: HS256 over `{id: tenantKey, iss: workspaceKey, exp}` with the
 * workspace secret. It is minted once and reused until it nears expiry, not signed per request.
 */
export class WorkspaceTokenMinter implements TokenSource {
  private current: { token: string; exp: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly auth: Omit<WorkspaceAuth, "kind">,
    private readonly now: () => number = Date.now,
  ) {}

  token(): Promise<string> {
    const nowSeconds = Math.floor(this.now() / 1000);
    if (this.current && this.current.exp - nowSeconds >= REMINT_MARGIN_SECONDS) {
      return Promise.resolve(this.current.token);
    }
    // Concurrent callers share one signing instead of racing to mint several tokens.
    this.pending ??= this.mint(nowSeconds).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async mint(nowSeconds: number): Promise<string> {
    const exp = nowSeconds + TOKEN_LIFETIME_SECONDS;
    const payload = { id: this.auth.tenantKey, iss: this.auth.workspaceKey, exp };
    const token = await sign(payload, this.auth.workspaceSecret, "HS256");
    this.current = { token, exp };
    return token;
  }
}

/** Minters kept for the isolate's lifetime, so every request of a worker reuses the same token. */
const minters = new Map<string, { secret: string; minter: WorkspaceTokenMinter }>();

/**
 * The token source for the configured credentials. With the default clock the minter is shared per
 * workspace and tenant; an injected clock (tests) gets its own.
 */
export function tokenSourceFor(auth: MembraneAuth, now?: () => number): TokenSource {
  if (auth.kind === "token") return new StaticToken(auth.token);
  if (now) return new WorkspaceTokenMinter(auth, now);
  const key = `${auth.workspaceKey}\n${auth.tenantKey}`;
  const cached = minters.get(key);
  if (cached && cached.secret === auth.workspaceSecret) return cached.minter;
  const minter = new WorkspaceTokenMinter(auth);
  minters.set(key, { secret: auth.workspaceSecret, minter });
  return minter;
}
