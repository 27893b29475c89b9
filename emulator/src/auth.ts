import { decode, verify } from "hono/jwt";
import { JwtTokenExpired, JwtTokenIssuer } from "hono/utils/jwt/types";
import type { EmulatorConfig } from "./config";

/**
 * What the Authorization header looked like, for the request log: the scheme, the kind of credential and,
 * for a JWT, its decoded header and claims. Never the token itself.
 */
export type AuthShape =
  | { scheme: "none" }
  | { scheme: "other" }
  | { scheme: "Bearer"; kind: "static" | "opaque" }
  | { scheme: "Bearer"; kind: "jwt"; header: unknown; claims: unknown };

export type AuthResult =
  | { ok: true; shape: AuthShape }
  | { ok: false; shape: AuthShape; key: string; message: string };

const encoder = new TextEncoder();

function sameSecret(a: string, b: string): boolean {
  const [x, y] = [encoder.encode(a), encoder.encode(b)];
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}

/** A JWT that passed every check, kept so its next use skips the HMAC; `claims` as verify returned them. */
interface VerifiedToken {
  shape: AuthShape;
  claims: { exp: number; nbf?: unknown; iat?: unknown };
}
/** Callers reuse one token for its hour (the bridge mints once per isolate): a few entries are plenty. */
const VERIFIED_CACHE_LIMIT = 64;

/**
 * Whether a verified token still passes hono's time checks now, with the same expressions verify uses
 * (hono/utils/jwt/jwt.ts): so a cached answer is the answer verify would give. Signature, header and `iss`
 * do not depend on time, and the secret and key are fixed for the emulator's life.
 */
function stillValid({ exp, nbf, iat }: VerifiedToken["claims"]): boolean {
  const now = Math.floor(Date.now() / 1e3);
  if (nbf !== undefined && (typeof nbf !== "number" || !Number.isFinite(nbf) || nbf > now)) return false;
  if (!Number.isFinite(exp) || exp <= now) return false;
  if (iat !== undefined && (typeof iat !== "number" || !Number.isFinite(iat) || now < iat)) return false;
  return true;
}

/**
 * authenticate() with a cache of verified JWTs per token string, so a caller reusing its token pays the
 * signature check once. A token found no longer valid is checked again in full, so it gets verify's answer.
 */
export function createAuthenticator(
  config: EmulatorConfig,
): (authorization: string | undefined) => Promise<AuthResult> {
  const verified = new Map<string, VerifiedToken>();
  return async (authorization) => {
    const token = authorization?.startsWith("Bearer ") ? authorization.slice("Bearer ".length) : undefined;
    const cached = token === undefined ? undefined : verified.get(token);
    if (cached && stillValid(cached.claims)) return { ok: true, shape: cached.shape };
    if (token !== undefined) verified.delete(token);
    const result = await authenticate(authorization, config);
    if (token !== undefined && result.ok && result.shape.scheme === "Bearer" && result.shape.kind === "jwt") {
      if (verified.size >= VERIFIED_CACHE_LIMIT) verified.clear();
      verified.set(token, { shape: result.shape, claims: result.shape.claims as VerifiedToken["claims"] });
    }
    return result;
  };
}

/** Accepts the configured static token, or an HS256 JWT signed with the workspace secret (as the SDK mints). */
export async function authenticate(
  authorization: string | undefined,
  config: EmulatorConfig,
): Promise<AuthResult> {
  if (!authorization) {
    return {
      ok: false,
      shape: { scheme: "none" },
      key: "token_missing",
      message: "Authorization header is missing.",
    };
  }
  const [scheme, token, ...rest] = authorization.split(" ");
  if (scheme?.toLowerCase() !== "bearer" || !token || rest.length > 0) {
    return {
      ok: false,
      shape: { scheme: "other" },
      key: "token_invalid",
      message: "Use 'Authorization: Bearer <token>'.",
    };
  }
  if (config.EMULATOR_STATIC_TOKEN && sameSecret(token, config.EMULATOR_STATIC_TOKEN)) {
    return { ok: true, shape: { scheme: "Bearer", kind: "static" } };
  }
  let shape: AuthShape;
  try {
    const { header, payload } = decode(token);
    shape = { scheme: "Bearer", kind: "jwt", header, claims: payload };
  } catch {
    return {
      ok: false,
      shape: { scheme: "Bearer", kind: "opaque" },
      key: "token_invalid",
      message: "Unknown token.",
    };
  }
  try {
    const claims = await verify(token, config.EMULATOR_WORKSPACE_SECRET, {
      alg: "HS256",
      iss: config.EMULATOR_WORKSPACE_KEY,
    });
    // hono checks `exp` only when present; Membrane tokens must expire.
    if (typeof claims.exp !== "number") {
      return { ok: false, shape, key: "token_invalid", message: "The token has no exp claim." };
    }
    return { ok: true, shape };
  } catch (error) {
    if (error instanceof JwtTokenExpired)
      return { ok: false, shape, key: "token_expired", message: "Token expired." };
    if (error instanceof JwtTokenIssuer) {
      return {
        ok: false,
        shape,
        key: "token_invalid",
        message: "The token's iss is not this workspace's key.",
      };
    }
    return { ok: false, shape, key: "token_invalid", message: "The token's signature or header is invalid." };
  }
}
