import { env } from "cloudflare:workers";
import { createApp } from "./app";
import { loadLogLevel } from "./config/log-level";
import { validateAtStartup } from "./config/startup";
import { runScheduled } from "./cron";
import { consumeBatch } from "./delivery/consumer";
import type { Env } from "./env";
import { setLogLevel } from "./lib/log";

export { AuthThrottle } from "./admin/auth-throttle";
export { ConnectionLane } from "./delivery/lane/connection-lane";
export { CallRelay } from "./delivery/lane/relay/call-relay";

// Fail at start-up (wrangler dev, wrangler deploy) on a broken config, naming the route or reaction and the field.
validateAtStartup(env);
setLogLevel(loadLogLevel(env.LOG_LEVEL));

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env) => consumeBatch(batch, env),
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
