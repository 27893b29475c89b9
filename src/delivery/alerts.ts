import type { Reaction } from "../config/reactions";
import { redactionSalt } from "../config/redaction-salt";
import type { Env } from "../env";
import type { CanonicalEvent } from "../events/cloudevent";
import { type EventData, isOperational, type OperationalEventType } from "../events/types";
import { keyedHash } from "../lib/crypto";
import { uuidv7 } from "../lib/ids";
import { log } from "../lib/log";
import type { RecipeFinding } from "../reactions/types";
import { insertEvent } from "../store/events";
import type { HealthNews } from "./lane/lane-health";
import { enqueueEvents } from "./outbox";

/** Route and vendor of the bridge's own events. No configured route may take this name (it has no secret). */
export const ALERT_ROUTE = "hookbridge";

export interface Alert<T extends OperationalEventType = OperationalEventType> {
  type: T;
  data: EventData<T>;
  /** Stable per occurrence (e.g. the dead delivery's id): emitting the same alert twice stores it once. */
  key: string;
  subject?: string;
}

/**
 * A reaction that listens to alerts never causes one: if its own deliveries died or its connection's breaker
 * opened and that raised an alert, the alert would go to the same failing reaction, and so on.
 */
export const listensToAlerts = (reaction: Pick<Reaction, "on">) => reaction.on.some(isOperational);

/** hookbridge.delivery_dead: ids, names, the code and the count only; the reason may echo a vendor's answer. */
export function deadDeliveryAlert(
  delivery: { id: string; event_id: string; reaction: string; connection_id: string },
  code: string,
  attempts: number,
): Alert<"hookbridge.delivery_dead"> {
  return {
    type: "hookbridge.delivery_dead",
    // One alert per death: a delivery an operator retried may die again later.
    key: `${delivery.id}:${attempts}`,
    subject: delivery.id,
    data: {
      delivery_id: delivery.id,
      event_id: delivery.event_id,
      reaction: delivery.reaction,
      connection: delivery.connection_id,
      code,
      attempts,
    },
  };
}

/**
 * The alert for what a recipe found upstream (src/reactions/types.ts RecipeFinding). Keyed by what was found,
 * not by the delivery: every order of a customer with two loyalty users finds them, and one alert tells it.
 */
export function findingAlert(
  finding: RecipeFinding,
  delivery: { id: string; event_id: string; reaction: string; connection_id: string },
): Alert {
  const about = {
    connection: delivery.connection_id,
    reaction: delivery.reaction,
    delivery_id: delivery.id,
    event_id: delivery.event_id,
    loyalty_card_id: finding.loyaltyCardId,
  };
  if (finding.kind === "loyalty_search_missed")
    return {
      type: "hookbridge.loyalty_search_missed",
      // One per card: the search either finds users by their e-mail's local part or it does not.
      key: `${delivery.connection_id}:${finding.loyaltyCardId}`,
      subject: delivery.connection_id,
      data: { ...about, user_id: finding.userId },
    } satisfies Alert<"hookbridge.loyalty_search_missed">;
  const userIds = [...finding.userIds].sort();
  return {
    type: "hookbridge.duplicate_loyalty_user",
    key: `${delivery.connection_id}:${finding.loyaltyCardId}:${userIds.join(",")}`,
    subject: delivery.connection_id,
    data: { ...about, chosen_user_id: finding.chosenUserId, user_ids: userIds },
  } satisfies Alert<"hookbridge.duplicate_loyalty_user">;
}

/**
 * Stores an operational event (route and vendor `hookbridge`) and queues it for planning like any event, so the
 * reactions that listen to it run through the same lanes, retries and breaker. Nothing is stored when no
 * reaction listens to the type. Never throws: an alert that cannot be stored is logged, and the work that
 * raised it goes on.
 */
export async function emitAlert(
  env: Env,
  reactions: readonly Reaction[],
  alert: Alert,
  now = Date.now(),
): Promise<void> {
  if (!reactions.some((r) => r.on.includes(alert.type))) return;
  try {
    const event = {
      specversion: "1.0",
      id: uuidv7(now),
      source: `hookbridge/${ALERT_ROUTE}`,
      time: new Date(now).toISOString(),
      type: alert.type,
      datacontenttype: "application/json",
      vendor: ALERT_ROUTE,
      ...(alert.subject && { subject: alert.subject }),
      data: alert.data,
    } as CanonicalEvent;
    const dedupeKey = `${alert.type}:${alert.key}`;
    const stored = await insertEvent(env.DB, {
      event,
      route: ALERT_ROUTE,
      dedupeKey,
      dedupeHash: await keyedHash(redactionSalt(env), dedupeKey),
      verification: "verified",
      receivedAt: now,
      queuedAt: now,
      // `$raw` of an alert is its own data: there is no vendor payload.
      rawBody: JSON.stringify(alert.data),
      rawHeaders: {},
    });
    if (stored.inserted) await enqueueEvents(env, [stored.id], { storedAsQueued: true });
    log("info", "alert.emitted", { type: alert.type, key: alert.key, event_id: stored.id });
  } catch (error) {
    log("error", "alert.failed", { type: alert.type, key: alert.key, error: String(error) });
  }
}

/**
 * The alert of an incident's start or end on a connection (lane/incident.ts), or undefined: a breaker's own
 * changes inside an incident are counted, not posted, and a connection that carries the alert reactions
 * raises none (an alert about it could not be delivered). Both alerts of one incident share its key.
 */
export function incidentAlert(
  connection: string,
  reactions: readonly Reaction[],
  news: HealthNews,
): Alert | undefined {
  if (news.kind === "breaker") return undefined;
  if (reactions.some((r) => r.connection === connection && listensToAlerts(r))) return undefined;
  const { incident } = news;
  const key = `${connection}:${incident.startedAt}`;
  if (news.kind === "incident_started") {
    const { breaker, code } = news;
    const opened = breaker.state === "closed" ? undefined : breaker;
    return {
      type: "hookbridge.breaker_opened",
      key,
      subject: connection,
      data: {
        connection,
        failures: opened?.failures ?? 0,
        ...(opened && { calls: opened.calls }),
        ...(code && { code }),
        ...(opened?.state === "open" && {
          probe_in_seconds: Math.max(0, Math.round((opened.probeAt - incident.startedAt) / 1000)),
        }),
      },
    };
  }
  return {
    type: "hookbridge.breaker_closed",
    key,
    subject: connection,
    data: {
      connection,
      failures: incident.failures,
      openings: incident.openings,
      deliveries_held: incident.held,
      duration_seconds: Math.max(0, Math.round((news.now - incident.startedAt) / 1000)),
    },
  };
}
