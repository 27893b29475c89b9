import { Hono } from "hono";
import { createAdminApi } from "./admin/api";
import { createDashboard } from "./admin/dashboard";
import type { AppEnv } from "./app-env";
import { loadConfig } from "./config";
import { BridgeError, MethodNotAllowedError, NotFoundError, UnauthorizedError } from "./errors";
import { readBodyWithinLimit, requireJsonContentType } from "./ingress/body";
import { receive } from "./ingress/receive";
import { routeConfig } from "./ingress/route-config";
import { log } from "./lib/log";

export function createApp() {
  const app = new Hono<AppEnv>();

  app.get("/healthz", (c) => {
    const { routes, reactions } = loadConfig(c.env);
    return c.json({ status: "ok", routes: Object.keys(routes), reactions: reactions.map((r) => r.name) });
  });

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
    if (error instanceof BridgeError) {
      log(error.status >= 500 ? "error" : "info", "request.rejected", {
        path: c.req.path,
        method: c.req.method,
        status: error.status,
        code: error.code,
        ...(error.status >= 500 && { message: error.message }),
      });
      if (error instanceof MethodNotAllowedError) c.header("Allow", error.allow);
      if (error instanceof UnauthorizedError) c.header("WWW-Authenticate", 'Bearer realm="hookbridge-admin"');
      return c.json(error.toJSON(), error.status);
    }
    log("error", "request.failed", { path: c.req.path, method: c.req.method, error: String(error) });
    const message = c.req.path.startsWith("/webhooks/")
      ? "Unexpected error; the delivery was not stored. Retry later."
      : "Unexpected error.";
    return c.json({ error: { code: "internal_error", message } }, 500);
  });

  return app;
}
