import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { adminAuth } from "../auth";
import type { AdminRoute } from "./define-route";
import { openApiDocument } from "./openapi";
import { activityRoute } from "./routes/activity";
import { retryDeadDeliveriesRoute, retryDeliveryRoute } from "./routes/deliveries";
import { getEventRoute, listEventsRoute, replayEventRoute } from "./routes/events";
import { createPauseRoute, deletePauseRoute, listPausesRoute } from "./routes/pauses";
import { preflightRoute } from "./routes/preflight";
import { statsRoute } from "./routes/stats";

/** Every admin operation; the router and openapi.json are both built from this table. */
export const adminRoutes: readonly AdminRoute[] = [
  listEventsRoute,
  activityRoute,
  getEventRoute,
  replayEventRoute,
  retryDeliveryRoute,
  retryDeadDeliveriesRoute,
  listPausesRoute,
  createPauseRoute,
  deletePauseRoute,
  statsRoute,
  preflightRoute,
];

/** The operator API, mounted at /admin/api. Errors reach the app's JSON error handler. */
export function createAdminApi() {
  const api = new Hono<AppEnv>();
  api.use("*", adminAuth);
  for (const route of adminRoutes) {
    api.on(route.method.toUpperCase(), route.path.replace(/\{(\w+)\}/g, ":$1"), (c) => route.run(c));
  }
  api.get("/openapi.json", (c) =>
    c.json(openApiDocument(adminRoutes, new URL("/admin/api", c.req.url).toString())),
  );
  return api;
}
