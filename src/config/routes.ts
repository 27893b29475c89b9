import { z } from "zod";
import { ConfigError } from "../errors";
import { describeIssues } from "../lib/zod-issues";
import { vendorName } from "../vendors";
import { verifierConfig } from "./verifiers";

/** D1's limit on one string, BLOB or row. */
export const D1_MAX_ROW_BYTES = 1_000_000;

const ROUTE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const SECRET_NAME = /^[A-Z][A-Z0-9_]*$/;

/** Where a route's de-duplication key comes from. */
export const dedupeConfig = z.discriminatedUnion("from", [
  z.strictObject({ from: z.literal("header"), name: z.string().min(1).toLowerCase() }),
  /** Dot path into the JSON body, e.g. `id` or `event.id`. */
  z.strictObject({ from: z.literal("body"), path: z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/) }),
  /** SHA-256 of the raw body: for senders with no id at all (identical bodies count as one delivery). */
  z.strictObject({ from: z.literal("body-sha256") }),
]);

export const routeConfig = z
  .strictObject({
    vendor: vendorName,
    verifier: verifierConfig,
    /** Names of secrets (wrangler secret / .dev.vars), newest first; any one may match, for rotation. */
    secrets: z
      .union([z.string(), z.array(z.string()).min(1)])
      .transform((s) => (typeof s === "string" ? [s] : s)),
    dedupe: dedupeConfig,
    /**
     * Largest accepted body in bytes; bigger ones get 413 before the body is read. At most 1 MB, because a D1
     * row holds at most 1,000,000 bytes and the raw body is stored in one.
     */
    max_body_bytes: z.number().int().positive().max(D1_MAX_ROW_BYTES).default(D1_MAX_ROW_BYTES),
  })
  .superRefine((route, ctx) => {
    // The key must be the id Coupontools is asked to confirm (src/ingress/dedupe-key.ts); anything else
    // would let one confirmed id stand for several stored deliveries.
    const { dedupe } = route;
    if (route.verifier.type === "coupontools" && !(dedupe.from === "body" && dedupe.path === "id")) {
      ctx.addIssue({
        code: "custom",
        path: ["dedupe"],
        message:
          'a coupontools route de-duplicates on the event id it confirms: use { from = "body", path = "id" }',
      });
    }
  });

export const routesConfig = z
  .record(z.string(), z.unknown())
  .superRefine((routes, ctx) => {
    if (Object.keys(routes).length === 0) ctx.addIssue({ code: "custom", message: "no routes configured" });
  })
  .transform((routes, ctx) => {
    const parsed: Record<string, RouteConfig & { name: string }> = {};
    for (const [name, raw] of Object.entries(routes)) {
      if (!ROUTE_NAME.test(name)) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "route names are lower-case letters, digits, - and _",
        });
        continue;
      }
      if (name === "hookbridge") {
        // The bridge stores its own operational events (alerts) under this route (src/delivery/alerts.ts).
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "the route name hookbridge is the bridge's own",
        });
        continue;
      }
      const result = routeConfig.safeParse(raw);
      if (!result.success) {
        for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: [name, ...issue.path] });
        continue;
      }
      for (const [i, secret] of result.data.secrets.entries()) {
        if (!SECRET_NAME.test(secret)) {
          ctx.addIssue({
            code: "custom",
            path: [name, "secrets", i],
            message: "secret names are UPPER_SNAKE_CASE",
          });
        }
      }
      parsed[name] = { ...result.data, name };
    }
    return parsed;
  });

export type RouteConfig = z.infer<typeof routeConfig>;
export type Route = RouteConfig & { name: string };
export type Routes = Record<string, Route>;

/** "routes.kooomo.verifier.header: Invalid input: expected string; ..." — every problem, under `prefix`. */
export function describeConfigIssues(prefix: string, error: z.ZodError): string {
  return describeIssues(error, { at: [prefix] }).join("; ");
}

/** Parses `env.ROUTES` (a JSON object from wrangler.toml [vars.ROUTES]) or throws one ConfigError naming each bad field. */
export function parseRoutes(raw: unknown): Routes {
  const value = typeof raw === "string" ? safeJson(raw) : raw;
  if (value === undefined || value === null)
    throw new ConfigError("routes: ROUTES is not set in wrangler.toml [vars]");
  const result = routesConfig.safeParse(value);
  if (!result.success)
    throw new ConfigError(`invalid route config: ${describeConfigIssues("routes", result.error)}`);
  return result.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError("routes: ROUTES is a string but not valid JSON");
  }
}

/** Secret values a route can verify with, newest first. Missing names are skipped; none at all is a config error. */
export function routeSecrets(route: Route, env: Record<string, unknown>): string[] {
  const values = route.secrets
    .map((name) => env[name])
    .filter((v): v is string => typeof v === "string" && v !== "");
  if (values.length === 0) {
    throw new ConfigError(`routes.${route.name}.secrets: none of ${route.secrets.join(", ")} is set`);
  }
  return values;
}
