import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { adminToken, loadAdminThrottleSettings } from "../config/admin";
import type { Env } from "../env";
import { NotFoundError, TooManyAttemptsError, UnauthorizedError } from "../errors";
import { log } from "../lib/log";
import { secretEquals } from "../lib/timing-safe";
import { throttleOf } from "./auth-throttle";
import { clientKey } from "./client-key";

/** The token of an `Authorization: Bearer <token>` header, whatever the case of the scheme. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer +(\S+)\s*$/i.exec(authorization ?? "")?.[1];
}

/**
 * The client whose failures are counted: Cloudflare's connecting IP, an IPv6 one by its /64 (clientKey);
 * locally (no such header) one shared client.
 */
function clientOf(headers: Headers): string {
  const address = headers.get("cf-connecting-ip")?.trim();
  return address ? clientKey(address) : "local";
}

/**
 * Compares a presented admin token with ADMIN_TOKEN in constant time, throttled per client: a client with
 * too many recent failures gets TooManyAttemptsError (429) before any comparison, even with the right token,
 * so guessing cannot go on. Only failures are recorded; an empty token is no attempt and is simply refused.
 */
export async function checkAdminToken(
  env: Env,
  headers: Headers,
  presented: string,
  token: string,
): Promise<boolean> {
  if (presented === "") return false;
  const settings = loadAdminThrottleSettings(env.ADMIN_THROTTLE);
  const rule = { maxFailures: settings.max_failures, windowMs: settings.window_seconds * 1000 };
  const throttle = throttleOf(env, clientOf(headers));
  const before = await throttle.check(rule, Date.now());
  if (before.blocked) throw new TooManyAttemptsError(Math.ceil(before.retryAfterMs / 1000));
  if (await secretEquals(presented, token)) return true;
  const after = await throttle.recordFailure(rule, Date.now());
  log("warn", "admin.auth_failed", { blocked: after.blocked });
  return false;
}

/**
 * Guards /admin/api: without ADMIN_TOKEN set it does not exist (404, as for any unknown path); otherwise every
 * request needs `Authorization: Bearer <ADMIN_TOKEN>` (checkAdminToken), or gets 401.
 * (hono's bearerAuth answers in plain text and 400 for a malformed header; the bridge answers JSON errors.)
 */
export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = adminToken(c.env);
  if (token === undefined) throw new NotFoundError("not_found", "No such endpoint.");
  const presented = bearerToken(c.req.header("authorization"));
  if (presented === undefined || !(await checkAdminToken(c.env, c.req.raw.headers, presented, token))) {
    throw new UnauthorizedError();
  }
  await next();
};
