import type { Context } from "hono";
import { clearDashboardCookie, readDashboardCookie, setDashboardCookie } from "./cookies";

/** How long a dashboard login lasts. Sessions are stateless: logging out clears the browser's cookie. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** The session cookie holds only its expiry (epoch ms), signed; the expiry is checked here, not left to the browser. */
export async function startSession(c: Context, token: string, now: number): Promise<void> {
  await setDashboardCookie(c, token, "session", String(now + SESSION_TTL_MS), SESSION_TTL_MS / 1000);
}

export async function hasSession(c: Context, token: string, now: number): Promise<boolean> {
  const value = await readDashboardCookie(c, token, "session");
  if (value === undefined || !/^\d{1,15}$/.test(value)) return false;
  const expiresAt = Number(value);
  return now < expiresAt && expiresAt <= now + SESSION_TTL_MS;
}

export function endSession(c: Context): void {
  clearDashboardCookie(c, "session");
}
