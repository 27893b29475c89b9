import { z } from "zod";
import { PreflightCheckSchema } from "../../../preflight/preflight";
import { preflight } from "../../operations/preflight";
import { defineRoute } from "../define-route";
import { iso } from "../present";
import { isoTime } from "../schemas";

export const preflightRoute = defineRoute({
  id: "getPreflight",
  method: "get",
  path: "/preflight",
  summary: "The configuration checked against the Membrane workspace (what `npm run preflight` prints)",
  description:
    "Every connection exists and is connected; every action resolves on its connection and the input built " +
    "from a sample event fits its input schema; every proxy recipe's harmless read answers. The last run is " +
    "served for 10 minutes (it calls Membrane); `refresh=true` runs it now.",
  query: z.strictObject({
    refresh: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true")
      .describe("Run the checks now instead of serving the last run"),
  }),
  response: z.object({
    checked_at: isoTime,
    cached: z.boolean().describe("Served from the last run"),
    ok: z.boolean(),
    checks: z.array(PreflightCheckSchema),
    unchecked_inputs: z
      .record(z.string(), z.int().nonnegative())
      .describe(
        "Attempts of the last 24 h whose action input went out unchecked (no definition), per reaction",
      ),
  }),
  handle: async ({ query }, c) => {
    const view = await preflight(c.env, { refresh: query.refresh, now: Date.now() });
    return {
      checked_at: iso(view.checkedAt),
      cached: view.cached,
      ok: view.ok,
      checks: view.checks,
      unchecked_inputs: view.uncheckedInputs,
    };
  },
});
