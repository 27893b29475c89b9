import type { DeadLetterMessage, DeliveryMessage, EventMessage } from "./delivery/messages";
import type { ConnectionPacer } from "./delivery/pacer";

/** Bindings and vars from wrangler.toml; secrets (named by each route's `secrets`) arrive as extra string keys. */
export interface Env {
  DB: D1Database;
  EVENTS_QUEUE: Queue<EventMessage>;
  DELIVERIES_QUEUE: Queue<DeliveryMessage>;
  DEAD_LETTERS: Queue<DeadLetterMessage>;
  PACER: DurableObjectNamespace<ConnectionPacer>;
  /** Local development and tests only: the Membrane emulator, reached instead of MEMBRANE_API_URL. */
  MEMBRANE?: Fetcher;
  /** [vars.ROUTES] from wrangler.toml, validated by src/config/routes.ts. */
  ROUTES: unknown;
  /** [vars.REACTIONS]: reaction name -> recipe, connection, options. */
  REACTIONS?: unknown;
  /** [vars.DELIVERY]: retry schedule and timeouts. */
  DELIVERY?: unknown;
  /** [vars.RETENTION]: how long raw payloads are kept (src/retention/settings.ts). */
  RETENTION?: unknown;
  [secret: string]: unknown;
}

type BridgeEnv = Env;

declare global {
  namespace Cloudflare {
    /** Types `exports.default` from "cloudflare:workers" in tests. */
    interface GlobalProps {
      mainModule: typeof import("./index");
    }
    /** `env` from "cloudflare:workers": the bridge's bindings plus what vitest.config.ts adds for tests. */
    interface Env extends BridgeEnv {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    }
  }
}
