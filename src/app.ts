import { type Context, Hono } from "hono";
import { createAdminApi } from "./admin/api";
import { createDashboard } from "./admin/dashboard";
import { healthz } from "./admin/health";
import type { AppEnv } from "./app-env";
import {
  BridgeError,
  ConfigError,
  MethodNotAllowedError,
  NotFoundError,
  StorageError,
  TooManyAttemptsError,
  UnauthorizedError,
} from "./errors";
import { readBodyWithinLimit, requireJsonContentType } from "./ingress/body";
import { receive } from "./ingress/receive";
import { routeConfig } from "./ingress/route-config";
import { log } from "./lib/log";

export function createApp() {
  const app = new Hono<AppEnv>();

  app.get("/healthz", healthz);

  // The type is checked before the body is read: a body of the wrong type is refused without reading it.
  app.post("/webhooks/:route", routeConfig, requireJsonContentType, readBodyWithinLimit, receive);
  // Any other method on a known route is 405; on an unknown route, 404 (routeConfig decides).
  app.all("/webhooks/:route", routeConfig, () => {
    throw new MethodNotAllowedError("POST");
  });

  app.route("/admin/api", createAdminApi());
  app.route("/admin", createDashboard());

  app.notFound(() => {
    throw new NotFoundError("not_found", "No such endpoint.");
  });

  app.onError((error, c) => {
    if (error instanceof BridgeError && error.status < 500) {
      log("info", "request.rejected", {
        path: c.req.path,
        method: c.req.method,
        status: error.status,
        code: error.code,
      });
      if (error instanceof MethodNotAllowedError) c.header("Allow", error.allow);
      if (error instanceof UnauthorizedError) c.header("WWW-Authenticate", 'Bearer realm="hookbridge-admin"');
      if (error instanceof TooManyAttemptsError) c.header("Retry-After", String(error.retryAfterSeconds));
      return c.json(error.toJSON(), error.status);
    }
    return serverError(c, error);
  });

  return app;
}

/**
 * 5xx answers: the caller (often an unauthenticated sender) gets the error family's code, a generic message
 * and a request id; what went wrong (e.g. which secret is unset) goes to the log under that id only.
 */
function serverError(c: Context<AppEnv>, error: Error): Response {
  const requestId = crypto.randomUUID();
  const known = error instanceof BridgeError;
  log("error", known ? "request.rejected" : "request.failed", {
    request_id: requestId,
    path: c.req.path,
    method: c.req.method,
    status: known ? error.status : 500,
    code: known ? error.code : "internal_error",
    error: known ? error.message : String(error),
  });
  const webhook = c.req.path.startsWith("/webhooks/");
  let message = "Unexpected error.";
  if (error instanceof StorageError) message = error.message;
  else if (error instanceof ConfigError)
    message = "The bridge's configuration has a problem; the operator must fix it.";
  if (webhook && !(error instanceof StorageError)) message += " The delivery was not stored; retry later.";
  const body = { code: known ? error.code : "internal_error", message, request_id: requestId };
  return c.json({ error: body }, known ? error.status : 500);
}
