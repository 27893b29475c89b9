// Test-only typing (as in the workers-sdk vitest examples): what `cloudflare:workers` and `cloudflare:test`
// expose inside the test pool. Kept out of src/ so that no module of the bridge reaches the whole app through
// a type import of src/index.ts.
import type { Env as BridgeEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    /** Types `exports.default` from "cloudflare:workers" in tests. */
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
    /** `env` from "cloudflare:workers": the bridge's bindings plus what vitest.config.ts adds for tests. */
    interface Env extends BridgeEnv {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
      /** wrangler.toml's whole [vars.REACTIONS] table; REACTIONS leaves its alert reaction out (vitest.config.ts). */
      SHIPPED_REACTIONS: Record<string, unknown>;
    }
  }
}
