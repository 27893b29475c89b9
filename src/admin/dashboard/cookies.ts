import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import { utf8 } from "../../lib/bytes";

/** What a dashboard cookie is for; each purpose signs with its own key, so one cannot stand in for another. */
type Purpose = "session" | "flash";

/**
 * The HMAC key of one cookie purpose, derived from ADMIN_TOKEN: cookies never carry the token itself, and
 * rotating the token invalidates every cookie signed before.
 */
async function cookieKey(token: string, purpose: Purpose): Promise<ArrayBuffer> {
  const key = await crypto.subtle.importKey("raw", utf8(token), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return crypto.subtle.sign("HMAC", key, utf8(`hookbridge dashboard ${purpose} cookie v1`));
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Scoped to /admin, out of reach of scripts (HttpOnly) and of other sites' requests (SameSite=Strict).
 * Secure everywhere except plain http on this machine (`npm start`), where browsers would drop it.
 */
function cookieOptions(c: Context, maxAgeSeconds: number): CookieOptions {
  const url = new URL(c.req.url);
  const localHttp = url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
  return { path: "/admin", httpOnly: true, secure: !localHttp, sameSite: "Strict", maxAge: maxAgeSeconds };
}

const COOKIE_NAMES: Record<Purpose, string> = {
  session: "hookbridge_session",
  flash: "hookbridge_flash",
};

export async function setDashboardCookie(
  c: Context,
  token: string,
  purpose: Purpose,
  value: string,
  maxAgeSeconds: number,
): Promise<void> {
  const options = cookieOptions(c, maxAgeSeconds);
  await setSignedCookie(c, COOKIE_NAMES[purpose], value, await cookieKey(token, purpose), options);
}

/** The cookie's value when its signature holds (checked by WebCrypto's constant-time verify); else undefined. */
export async function readDashboardCookie(
  c: Context,
  token: string,
  purpose: Purpose,
): Promise<string | undefined> {
  const value = await getSignedCookie(c, await cookieKey(token, purpose), COOKIE_NAMES[purpose]);
  return value === false ? undefined : value;
}

export function clearDashboardCookie(c: Context, purpose: Purpose): void {
  deleteCookie(c, COOKIE_NAMES[purpose], cookieOptions(c, 0));
}
