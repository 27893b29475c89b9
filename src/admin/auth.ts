import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { NotFoundError, UnauthorizedError } from "../errors";
import { secretEquals } from "../lib/timing-safe";

/** The operator's token (secret ADMIN_TOKEN); undefined switches the admin surface off. */
export function adminToken(env: Record<string, unknown>): string | undefined {
  const token = env.ADMIN_TOKEN;
  return typeof token === "string" && token !== "" ? token : undefined;
}

/**
 * Guards /admin: without ADMIN_TOKEN set it does not exist (404, as for any unknown path); otherwise every
 * request needs `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time, or gets 401.
 * (hono's bearerAuth answers in plain text and 400 for a malformed header; the bridge answers JSON errors.)
 */
export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = adminToken(c.env);
  if (token === undefined) throw new NotFoundError("not_found", "No such endpoint.");
  const presented = /^Bearer +(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (presented === undefined || !(await secretEquals(presented, token))) throw new UnauthorizedError();
  await next();
};
