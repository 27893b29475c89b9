import { defineConfig } from "vitest/config";

/**
 * Node-side tests of the command-line scripts (npm run check-config): they run the scripts as an operator
 * or CI would, as child processes; and cut-body.test.ts, which cuts request bodies over real sockets against
 * `wrangler dev` on a free port. Run with `vitest run --config vitest.node.config.ts`.
 */
export default defineConfig({
  test: {
    include: ["test/node/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
  },
});
