import type { Env } from "../env";
import { type DeliverySettings, loadDeliverySettings } from "./delivery";
import { withPaces } from "./paces";
import { parseReactions, type Reaction } from "./reactions";
import { loadRetentionSettings, type RetentionSettings } from "./retention";
import { parseRoutes, type Routes } from "./routes";

export interface BridgeConfig {
  routes: Routes;
  reactions: Reaction[];
  delivery: DeliverySettings;
  retention: RetentionSettings;
}

// Workers hand the same env object to every invocation of an isolate: parse and validate once.
const cache = new WeakMap<object, BridgeConfig>();

/** The whole validated configuration; throws one ConfigError naming each bad route, reaction and field. */
export function loadConfig(env: Pick<Env, "ROUTES" | "REACTIONS" | "DELIVERY" | "RETENTION">): BridgeConfig {
  let config = cache.get(env);
  if (!config) {
    const routes = parseRoutes(env.ROUTES);
    const delivery = loadDeliverySettings(env.DELIVERY);
    config = {
      routes,
      reactions: withPaces(parseReactions(env.REACTIONS, Object.keys(routes)), delivery),
      delivery,
      retention: loadRetentionSettings(env.RETENTION),
    };
    cache.set(env, config);
  }
  return config;
}
