import type { DeadLetterMessage, DeliveryMessage, EventMessage } from "./queue/messages";

/** Bindings and vars from wrangler.toml; secrets (named by each route's `secrets`) arrive as extra string keys. */
export interface Env {
  DB: D1Database;
  EVENTS_QUEUE: Queue<EventMessage>;
  DELIVERIES_QUEUE: Queue<DeliveryMessage>;
  DEAD_LETTERS: Queue<DeadLetterMessage>;
  /** One lane per Membrane connection (src/delivery/lane/); typed where it is used, so this file stays low. */
  LANES: DurableObjectNamespace;
  /** The relays each lane sends its Membrane calls through (src/delivery/lane/relay/); typed where used. */
  RELAYS: DurableObjectNamespace;
  /** Failed admin-token attempts per client (src/admin/auth-throttle.ts); typed where it is used. */
  AUTH_THROTTLE: DurableObjectNamespace;
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
