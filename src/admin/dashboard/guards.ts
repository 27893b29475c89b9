import type { MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { NONCE, secureHeaders } from "hono/secure-headers";
import { adminToken } from "../../config/admin";
import { NotFoundError, UnauthorizedError } from "../../errors";
import type { DashboardEnv } from "./dashboard-env";
import { hasSession } from "./session";

/** Without ADMIN_TOKEN the dashboard does not exist: the app answers as for any unknown path. */
export const dashboardEnabled: MiddlewareHandler<DashboardEnv> = async (c, next) => {
  const token = adminToken(c.env);
  if (token === undefined) throw new NotFoundError("not_found", "No such endpoint.");
  c.set("adminToken", token);
  await next();
};

/**
 * No script runs on any dashboard page (the inline stylesheet carries a nonce), pages cannot be framed
 * (clickjacking of action buttons) and forms only post back to this origin.
 */
export const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: [NONCE],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  xFrameOptions: "DENY",
});

/**
 * State-changing forms must come from a page of this origin (Sec-Fetch-Site or Origin), on top of the
 * SameSite=Strict session cookie; a cross-site post answers 403 before anything is read.
 */
export const sameOrigin: MiddlewareHandler<DashboardEnv> = csrf();

/** Pages send a signed-out browser to the login form and back; actions answer 401. */
export const signedIn: MiddlewareHandler<DashboardEnv> = async (c, next) => {
  if (await hasSession(c, c.var.adminToken, Date.now())) return next();
  if (c.req.method !== "GET") throw new UnauthorizedError();
  const url = new URL(c.req.url);
  return c.redirect(`/admin/login?${new URLSearchParams({ next: url.pathname + url.search })}`, 303);
};
