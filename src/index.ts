import { env } from "cloudflare:workers";
import { createApp } from "./app";
import { loadConfig } from "./config";
import { consumeBatch } from "./delivery/consumer";
import { sweep } from "./delivery/sweep";
import type { Env } from "./env";

export { ConnectionPacer } from "./delivery/pacer";

// Fail at start-up (wrangler dev, wrangler deploy) on a broken config, naming the route or reaction and the field.
loadConfig(env as unknown as Env);

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env) => consumeBatch(batch, env),
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(sweep(env));
  },
} satisfies ExportedHandler<Env>;
