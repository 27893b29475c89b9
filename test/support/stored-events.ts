import { env } from "cloudflare:workers";
import { loadConfig } from "../../src/config";
import { buildEvent } from "../../src/ingress/build-event";
import { dedupeHash } from "../../src/ingress/dedupe-key";
import { uuidv7 } from "../../src/lib/ids";
import type { AttemptRow } from "../../src/store/attempts";
import type { DeliveryRow } from "../../src/store/deliveries";
import type { EventRow } from "../../src/store/events";
import { insertEvent } from "../../src/store/events";
import { vendors } from "../../src/vendors";
import { waitFor } from "./wait";

export async function eventRow(id: string): Promise<EventRow> {
  const row = await env.DB.prepare("SELECT * FROM events WHERE id = ?1").bind(id).first<EventRow>();
  if (!row) throw new Error(`event ${id} not stored`);
  return row;
}

export async function deliveriesOf(eventId: string): Promise<DeliveryRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM deliveries WHERE event_id = ?1 ORDER BY reaction")
    .bind(eventId)
    .all<DeliveryRow>();
  return results;
}

export async function attemptsOf(eventId: string): Promise<AttemptRow[]> {
  const { results } = await env.DB.prepare(
    `SELECT attempts.* FROM attempts JOIN deliveries ON deliveries.id = attempts.delivery_id
     WHERE deliveries.event_id = ?1 ORDER BY attempts.id`,
  )
    .bind(eventId)
    .all<AttemptRow>();
  return results;
}

const IN_PROGRESS = new Set(["accepted", "queued", "processing"]);

/** Waits until the real queues have taken the event to a final status (done, failed, unrecognized...). */
export function settled(eventId: string, timeoutMs = 15_000): Promise<EventRow> {
  return waitFor(
    () => eventRow(eventId),
    (row) => !IN_PROGRESS.has(row.status),
    { timeoutMs, what: `event ${eventId} to settle` },
  );
}

/** Everything stored about an event (its row, deliveries and attempts) as one text, for "appears nowhere" checks. */
export async function storedText(eventId: string): Promise<string> {
  return JSON.stringify([await eventRow(eventId), await deliveriesOf(eventId), await attemptsOf(eventId)]);
}

/** Everything stored about an event, to compare before and after. */
export async function snapshot(id: string) {
  return { event: await eventRow(id), deliveries: await deliveriesOf(id), attempts: await attemptsOf(id) };
}

/**
 * Stores a vendor payload as the ingress would, but without queueing it, so a test drives planning itself
 * and the background consumer never sees it. Returns the event id.
 */
export async function storeUnqueued(
  routeName: string,
  payload: unknown,
  options: { dedupeKey?: string; receivedAt?: number } = {},
): Promise<string> {
  const route = loadConfig(env).routes[routeName];
  if (!route) throw new Error(`no route ${routeName}`);
  const receivedAt = options.receivedAt ?? Date.now();
  const event = buildEvent(
    uuidv7(receivedAt),
    route,
    vendors[route.vendor].normalize(payload),
    new Date(receivedAt),
  );
  const dedupeKey = options.dedupeKey ?? event.id;
  await insertEvent(env.DB, {
    event,
    route: route.name,
    dedupeKey,
    dedupeHash: await dedupeHash(env.REDACTION_SALT as string, dedupeKey),
    verification: route.verifier.type === "coupontools" ? "pending_confirmation" : "verified",
    receivedAt,
    rawBody: JSON.stringify(payload),
    rawHeaders: {},
  });
  return event.id;
}
