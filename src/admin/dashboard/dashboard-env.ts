import type { Context } from "hono";
import type { Env } from "../../env";

/** Hono generics of the dashboard: the bridge's bindings, plus the admin token once the dashboard is known on. */
export interface DashboardEnv {
  Bindings: Env;
  Variables: { adminToken: string };
}

export type DashboardContext = Context<DashboardEnv>;
