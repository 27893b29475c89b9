import type { DeadLetterMessage, DeliveryMessage, EventMessage } from "./queue/messages";

/** wrangler.toml's vars, typed here rather than as generated: see `Env`. */
type Vars = "ROUTES" | "REACTIONS" | "DELIVERY" | "RETENTION" | "ADMIN_THROTTLE" | "LOG_LEVEL";
/** The queues, generated without their message types. */
type Queues = "EVENTS_QUEUE" | "DELIVERIES_QUEUE" | "DEAD_LETTERS";

/**
 * Bindings and vars from wrangler.toml; secrets (named by each route's `secrets`) arrive as extra string keys.
 *
 * The bindings are `WranglerEnv`, generated from wrangler.toml by `npm run types` into types/worker-env.d.ts
 * (checked by `npm run typecheck`): D1, and the Durable Object namespaces typed with their classes (`LANES`:
 * `DurableObjectNamespace<ConnectionLane>`, `RELAYS`: `<CallRelay>`, `AUTH_THROTTLE`: `<AuthThrottle>`). That
 * file is ambient and outside src/: this module imports nothing above its layer (.dependency-cruiser.cjs), but
 * its type does name those classes, type-only (nothing of them reaches the bundle through it).
 * Here the queues get their message types, and the vars are `unknown`: their values differ between
 * deployments and in tests (vitest.config.ts), a deployment may leave a table out, and src/config/ validates
 * each one.
 */
export interface Env extends Omit<WranglerEnv, Vars | Queues> {
  EVENTS_QUEUE: Queue<EventMessage>;
  DELIVERIES_QUEUE: Queue<DeliveryMessage>;
  DEAD_LETTERS: Queue<DeadLetterMessage>;
  /** Local development and tests only: the Membrane emulator, reached instead of MEMBRANE_API_URL. */
  MEMBRANE?: Fetcher;
  /** [vars.ROUTES] from wrangler.toml, validated by src/config/routes.ts. */
  ROUTES: unknown;
  /** [vars.REACTIONS]: reaction name -> recipe, connection, options (src/config/reactions.ts). */
  REACTIONS?: unknown;
  /** [vars.DELIVERY]: retry schedule and timeouts (src/config/delivery.ts). */
  DELIVERY?: unknown;
  /** [vars.RETENTION]: how long raw payloads are kept (src/config/retention.ts). */
  RETENTION?: unknown;
  /** [vars.ADMIN_THROTTLE]: failed admin attempts allowed per client (src/config/admin.ts). */
  ADMIN_THROTTLE?: unknown;
  /** "info" (default), "warn" or "error": the least severe log lines written (src/config/log-level.ts). */
  LOG_LEVEL?: unknown;
  [secret: string]: unknown;
}
