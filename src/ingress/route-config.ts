import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { loadConfig } from "../config";
import type { Route, Routes } from "../config/routes";
import { NotFoundError } from "../errors";

export function findRoute(routes: Routes, name: string): Route {
  const route = Object.hasOwn(routes, name) ? routes[name] : undefined;
  if (!route) throw new NotFoundError("route_not_found", `No webhook route named "${name}".`);
  return route;
}

/** Resolves `:route` to its config, 404 when unknown. */
export const routeConfig: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { routes } = loadConfig(c.env);
  c.set("route", findRoute(routes, c.req.param("route") ?? ""));
  await next();
};
