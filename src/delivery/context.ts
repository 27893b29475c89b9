import { type BridgeConfig, loadConfig } from "../config";
import type { Env } from "../env";
import { FreshReads } from "../lib/fresh-reads";
import { type MembraneClient, membraneClientFromEnv } from "../membrane/client";

/** Everything the delivery engine works with; `now` is injectable so schedules are testable. */
export interface DeliveryContext {
  env: Env;
  config: BridgeConfig;
  membrane: MembraneClient;
  now: () => number;
  /** Reads recipes share while they run at the same time (one per lane instance: src/lib/fresh-reads.ts). */
  reads: FreshReads;
  /** Whether the invocation may make one more subrequest (a lane's alarm budget); absent: no budget. */
  callRoom?: () => boolean;
}

export function deliveryContext(env: Env, overrides: Partial<DeliveryContext> = {}): DeliveryContext {
  return {
    env,
    config: overrides.config ?? loadConfig(env),
    membrane: overrides.membrane ?? membraneClientFromEnv(env),
    now: overrides.now ?? Date.now,
    reads: overrides.reads ?? new FreshReads(),
    ...(overrides.callRoom && { callRoom: overrides.callRoom }),
  };
}
