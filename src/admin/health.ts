import type { Handler } from "hono";
import type { AppEnv } from "../app-env";
import type { BridgeConfig } from "../config";
import { adminToken } from "../config/admin";
import { routeSecrets } from "../config/routes";
import { validateAtStartup } from "../config/startup";
import type { Env } from "../env";
import { ConfigError, UnauthorizedError } from "../errors";
import { bearerToken, checkAdminToken } from "./auth";

interface Checked {
  config?: BridgeConfig;
  problems: string[];
}

/** What start-up checks, plus each route's secrets (read per request, so unset ones show only here). */
function checkConfig(env: Env): Checked {
  try {
    const config = validateAtStartup(env);
    const problems: string[] = [];
    for (const route of Object.values(config.routes)) {
      try {
        routeSecrets(route, env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(error.message);
      }
    }
    return { config, problems };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { problems: [error.message] };
  }
}

/**
 * GET /healthz: `{"status":"ok"}` (200) or `{"status":"error"}` (503) to anyone; the routes, reactions and
 * configuration problems only with `Authorization: Bearer <ADMIN_TOKEN>` (checked and throttled as for the
 * admin API; a wrong token is a 401). Without ADMIN_TOKEN set there is no detailed answer.
 */
export const healthz: Handler<AppEnv> = async (c) => {
  const { config, problems } = checkConfig(c.env);
  const status = problems.length === 0 ? "ok" : "error";
  const code = problems.length === 0 ? 200 : 503;
  const presented = bearerToken(c.req.header("authorization"));
  let token: string | undefined;
  try {
    token = adminToken(c.env);
  } catch {
    token = undefined; // a token start-up refuses opens nothing; the problem is already listed
  }
  if (presented === undefined || token === undefined) return c.json({ status }, code);
  if (!(await checkAdminToken(c.env, c.req.raw.headers, presented, token))) throw new UnauthorizedError();
  return c.json(
    {
      status,
      routes: config ? Object.keys(config.routes) : [],
      reactions: config ? config.reactions.map((r) => r.name) : [],
      problems,
    },
    code,
  );
};
