import { loadConfig } from "../../config";
import { laneConcurrency } from "../../config/delivery";
import type { Env } from "../../env";
import { membraneClientFromEnv } from "../../membrane/client";
import { parseMembraneConfig } from "../../membrane/config";
import { type DeliveryContext, deliveryContext } from "../context";
import { relayOf } from "./relay/call-relay";
import { RelayPool, relaysFor } from "./relay/relay-pool";
import { relayedFetch } from "./relay/relayed-fetch";
import { countingEnv, SubrequestBudget } from "./subrequests";

/**
 * A lane's delivery context and subrequest budget, built once per instance: the parsed config, the Membrane
 * client (its token cached) whose calls go out through the lane's relays, so the lane has as many calls waiting
 * for an answer as its concurrency, not the 6 of one object (relay/relay-pool.ts); and the running alarm's
 * subrequests, which its bindings and calls count.
 */
export function prepareLane(
  env: Env,
  connection: string,
): { ctx: DeliveryContext; budget: SubrequestBudget } {
  const config = loadConfig(env);
  const pool = new RelayPool(relaysFor(laneConcurrency(config.delivery, connection)));
  // Each relayed call, D1 round trip and queue send is one subrequest of the running alarm.
  const budget = new SubrequestBudget(config.delivery.pump_subrequests);
  const count = () => budget.count();
  const fetch = relayedFetch(
    pool,
    (index) => {
      count();
      return relayOf(env, connection, index);
    },
    parseMembraneConfig(env).timeoutMs,
  );
  const counted = countingEnv(env, count);
  const ctx = deliveryContext(counted, { config, membrane: membraneClientFromEnv(counted, { fetch }) });
  return { ctx, budget };
}
