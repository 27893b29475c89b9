import { refreshStatusesWhere } from "../events";
import type { DeliveryStatus } from "./state";

export interface DeliveryRow {
  id: string;
  event_id: string;
  reaction: string;
  recipe: string;
  connection_id: string;
  status: DeliveryStatus;
  attempts: number;
  retry_base: number;
  next_attempt_at: number | null;
  lease_until: number | null;
  last_error_code: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  entity_key: string | null;
  event_seq: number | null;
  /**
   * The erasure request's own event, kept for its vendor deletion after the local redaction, until the
   * delivery succeeds or dies (src/retention/redact-erasures.ts); NULL otherwise.
   */
  held_event_json: string | null;
  /** What the recipe saved before a call whose outcome was ambiguous, to reconcile on the next attempt. */
  reconcile_state: string | null;
}

export interface PlannedDelivery {
  reaction: string;
  recipe: string;
  connectionId: string;
  /** What the delivery writes upstream (e.g. `order:123`), for per-entity order. */
  entityKey?: string;
  /** Event order: the event's time, epoch ms. */
  eventSeq: number;
}

/**
 * Plans one delivery per reaction; UNIQUE (event_id, reaction) makes a repeat a no-op. Returns every delivery
 * of the event, and brings the event's status up to date from them, all in one D1 round trip.
 */
export async function planDeliveries(
  db: D1Database,
  eventId: string,
  planned: readonly PlannedDelivery[],
  now: number,
): Promise<DeliveryRow[]> {
  const inserts = planned.map((p) =>
    db
      .prepare(
        `INSERT INTO deliveries (id, event_id, reaction, recipe, connection_id, status, created_at, updated_at,
           entity_key, event_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6, ?7, ?8)
         ON CONFLICT (event_id, reaction) DO NOTHING`,
      )
      .bind(
        `${eventId}:${p.reaction}`,
        eventId,
        p.reaction,
        p.recipe,
        p.connectionId,
        now,
        p.entityKey ?? null,
        p.eventSeq,
      ),
  );
  const results = await db.batch<DeliveryRow>([
    ...inserts,
    listDeliveriesStatement(db, eventId),
    refreshStatusesWhere(db, "id = ?1", eventId),
  ]);
  return results[inserts.length]?.results ?? [];
}

const listDeliveriesStatement = (db: D1Database, eventId: string) =>
  db.prepare("SELECT * FROM deliveries WHERE event_id = ?1 ORDER BY reaction").bind(eventId);

export async function listDeliveries(db: D1Database, eventId: string): Promise<DeliveryRow[]> {
  const { results } = await listDeliveriesStatement(db, eventId).all<DeliveryRow>();
  return results;
}

/** The event a delivery holds after its event was redacted (see DeliveryRow.held_event_json), read fresh. */
export async function heldEventJson(db: D1Database, id: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT held_event_json FROM deliveries WHERE id = ?1")
    .bind(id)
    .first<{ held_event_json: string | null }>();
  return row?.held_event_json ?? null;
}

export async function getDelivery(db: D1Database, id: string): Promise<DeliveryRow | null> {
  return db.prepare("SELECT * FROM deliveries WHERE id = ?1").bind(id).first<DeliveryRow>();
}

/** The deliveries of these ids that exist, in one statement. */
export async function getDeliveries(db: D1Database, ids: readonly string[]): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare("SELECT * FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(ids))
    .all<DeliveryRow>();
  return results;
}
