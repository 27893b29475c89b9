import { loadConfig } from "../../config";
import type { Env } from "../../env";
import { log } from "../../lib/log";
import { emitAlert, incidentAlert } from "../alerts";
import type { HealthNews } from "./lane-health";

/**
 * What a lane says of its connection's health: each breaker change in the log, and an incident's start and
 * end as alerts (flaps inside an incident are only logged). Answers the alert's sending, when there is one.
 */
export function announce(env: Env, connection: string, news: HealthNews): Promise<void> | undefined {
  if (news.kind === "breaker") {
    const { next } = news;
    const reason = next.state === "closed" ? undefined : next.reason;
    log(next.state === "open" ? "warn" : "info", "lane.breaker", { connection, state: next.state, reason });
  }
  const { reactions } = loadConfig(env);
  const alert = incidentAlert(connection, reactions, news);
  return alert ? emitAlert(env, reactions, alert) : undefined;
}
