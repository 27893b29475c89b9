import { defineConfig } from "vitest/config";

/**
 * The fast loop (npm run test:unit, npm run test:watch): tests of pure modules, in Node, no workerd, no
 * emulator to bundle. A test belongs here when it is named `*.unit.test.ts` (anywhere under test/): it imports
 * nothing of `cloudflare:*` (no env, D1, queues or Durable Objects) and no module that does, and uses only the
 * Web APIs that Node has as well (not workerd's crypto.subtle.timingSafeEqual: src/lib/timing-safe.ts). The
 * workerd config (vitest.config.ts) leaves these files out, so each test still runs once in `npm test`.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.unit.test.ts"],
    environment: "node",
    // The bridge logs a JSON line per decision; show them only for tests that fail (as vitest.config.ts).
    silent: "passed-only",
  },
});
