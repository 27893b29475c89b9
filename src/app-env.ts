import type { Route } from "./config/routes";
import type { Env } from "./env";

/** Hono generics for the bridge's app: bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  /** `body`: the request's bytes, read and counted against the route's limit (src/ingress/body.ts). */
  Variables: { route: Route; body: Uint8Array };
}
