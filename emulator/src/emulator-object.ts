import { DurableObject } from "cloudflare:workers";
import type { Hono } from "hono";
import { createApp } from "./app";
import { EmulatorConfigSchema, type EmulatorEnv } from "./config";
import { EmulatorStore } from "./store";

/**
 * Holds the whole emulator, state and HTTP app, in one Durable Object so state survives between requests
 * and each request's reads and writes happen one request at a time.
 */
export class EmulatorState extends DurableObject<EmulatorEnv> {
  private readonly app: Hono;

  constructor(ctx: DurableObjectState, env: EmulatorEnv) {
    super(ctx, env);
    this.app = createApp({
      store: new EmulatorStore(ctx.storage.sql),
      config: EmulatorConfigSchema.parse(env),
    });
  }

  override fetch(request: Request): Promise<Response> {
    return Promise.resolve(this.app.fetch(request));
  }
}
