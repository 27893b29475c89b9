import { defineConfig } from "vitest/config";

/**
 * Browser tests (npm run test:browser): Node, not workerd. Each file starts the real local stack (wrangler dev
 * for the bridge and the Membrane emulator) and drives Debian's Chromium with playwright-core.
 */
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    // The stack takes ~15 s to start; the test itself waits on real queues. Every wait inside is bounded too.
    hookTimeout: 120_000,
    testTimeout: 120_000,
    fileParallelism: false,
    // The local stack is chatty; show its output only when the test fails.
    silent: "passed-only",
  },
});
