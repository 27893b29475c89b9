import { loadConfig } from "../../config";
import { laneConcurrency } from "../../config/delivery";
import type { Env } from "../../env";
import { membraneClientFromEnv, membraneFetch } from "../../membrane/client";
import { parseMembraneConfig } from "../../membrane/config";
import type { CallOutcome } from "../../membrane/outcome";
import { type Claim, claimTogether } from "../attempt/claim-together";
import { type DeliveryContext, deliveryContext } from "../context";
import { AlarmBudget, countingEnv, type Reservation } from "./alarm-budget";
import { relayOf } from "./relay/call-relay";
import { RelayPool, relaysFor } from "./relay/relay-pool";
import { directFetch, relayedFetch } from "./relay/relayed-fetch";

export interface PreparedLane {
  ctx: DeliveryContext;
  budget: AlarmBudget;
  /** Deliveries a round starts at once are claimed together, counted by the alarm (claim-together.ts). */
  claim: Claim;
  /** The context a unit runs in: its D1 queries and queue sends are counted by its reservation. */
  forUnit: (held: Reservation) => DeliveryContext;
}

/**
 * A lane's delivery context and alarm budget, built once per instance: the parsed config, the Membrane client
 * (its token cached) whose calls go out through the lane's relays, so the lane has as many calls waiting for
 * an answer as its concurrency, not the 6 of one object (relay/relay-pool.ts), or directly within those 6
 * (DELIVERY.relays = false); and the running alarm's subrequests and D1 queries, which its bindings and calls
 * count.
 */
export function prepareLane(
  env: Env,
  connection: string,
  /** Told each Membrane call's outcome (the lane's breaker and concurrency). */
  observe: (outcome: CallOutcome) => void,
): PreparedLane {
  const config = loadConfig(env);
  const { delivery } = config;
  const budget = new AlarmBudget({
    subrequests: delivery.pump_subrequests,
    queries: delivery.pump_d1_queries,
  });
  const count = () => budget.count({ subrequests: 1 });
  const { timeoutMs } = parseMembraneConfig(env);
  const fetch = delivery.relays
    ? relayedFetch(
        new RelayPool(relaysFor(laneConcurrency(delivery, connection))),
        (index) => {
          // Each relayed call is one subrequest of the running alarm.
          count();
          return relayOf(env, connection, index);
        },
        timeoutMs,
      )
    : directFetch(new RelayPool(1), (url, init) => {
        count();
        return membraneFetch(env)(url, init);
      });
  const counted = countingEnv(env, (cost) => budget.count(cost));
  const ctx = deliveryContext(counted, {
    config,
    membrane: membraneClientFromEnv(counted, { fetch, observe }),
    callRoom: () => budget.callRoom(),
  });
  return {
    ctx,
    budget,
    claim: claimTogether(ctx),
    forUnit: (held) => ({ ...ctx, env: countingEnv(env, (cost) => held.spend(cost)) }),
  };
}
