import type { Route } from "./config/routes";
import type { Env } from "./env";

/** Hono generics for the bridge's app: bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: { route: Route };
}
