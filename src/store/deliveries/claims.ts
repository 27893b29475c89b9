import type { RequestSummary } from "../../membrane/outcome";
import type { EventRow } from "../events";
import type { DeliveryRow } from "./rows";
import { leaseRunOut, PAUSED, waitingAndDue } from "./state";

/**
 * Takes a due delivery for one attempt and records the attempt before any call goes out, in one batch:
 * a redelivered message, a concurrent consumer or a replay cannot take it twice. Returns the attempt
 * number, or null when the delivery is not claimable (done, dead, not yet due, or held by a live lease).
 * An expired lease is only re-taken when `retakeExpired` (the recipe is idempotent).
 */
export async function claimDelivery(
  db: D1Database,
  id: string,
  options: { now: number; leaseMs: number; retakeExpired: boolean; request: RequestSummary },
): Promise<number | null> {
  const { now } = options;
  const [claim] = await db.batch<{ attempts: number }>([
    db
      .prepare(
        `UPDATE deliveries SET status = 'in_flight', attempts = attempts + 1, lease_until = ?2, updated_at = ?3
         WHERE id = ?1 AND ((${waitingAndDue("?3")}) OR (${leaseRunOut("?3")} AND ?4 = 1))
         RETURNING attempts`,
      )
      .bind(id, now + options.leaseMs, now, options.retakeExpired ? 1 : 0),
    // Runs in the same transaction; inserts only if the claim above took effect (lease_until = this claim's).
    db
      .prepare(
        `INSERT INTO attempts (delivery_id, number, started_at, request_summary)
         SELECT id, attempts, ?3, ?4 FROM deliveries WHERE id = ?1 AND status = 'in_flight' AND lease_until = ?2
           AND updated_at = ?3
         ON CONFLICT (delivery_id, number) DO NOTHING`,
      )
      .bind(id, now + options.leaseMs, now, JSON.stringify(options.request)),
  ]);
  const attempts = claim?.results[0]?.attempts;
  return attempts ?? null;
}

/** What an attempt reads of its event. */
export type ClaimedEvent = Pick<EventRow, "id" | "redacted_at" | "event_json">;

/** A delivery taken for an attempt by claimDue, with its event as read in the same transaction. */
export interface DueClaim {
  /** The row as claimed: in flight, `attempts` counting this attempt. */
  delivery: DeliveryRow;
  /** What an attempt reads of it; the raw body, which only `$raw` and dead letters need, is read then. */
  event: ClaimedEvent | null;
}

/**
 * claimDelivery's common case for many deliveries in one D1 round trip: every one that waits (pending or
 * retrying), is due, is not held by a pause and whose reaction is in `requests` (reaction name -> the request
 * summary recorded until the call's own) is taken for one attempt, its attempt row recorded and its event read,
 * in one transaction. The others are left as they are, for the careful one-by-one path (in flight, not due,
 * paused, finished, reaction gone).
 */
export async function claimDue(
  db: D1Database,
  ids: readonly string[],
  options: { now: number; leaseMs: number; requests: Readonly<Record<string, RequestSummary>> },
): Promise<DueClaim[]> {
  if (ids.length === 0) return [];
  const { now } = options;
  const until = now + options.leaseMs;
  const requests = JSON.stringify(
    Object.fromEntries(Object.entries(options.requests).map(([name, r]) => [name, JSON.stringify(r)])),
  );
  // `+status` here and below keeps SQLite on the primary key: without statistics it takes the status index and
  // reads every delivery of that status (test/bench/d1-statements.test.ts bounds the rows read).
  // The rows this claim took: in flight with exactly this lease and time (a concurrent claim cannot match both).
  const taken = `SELECT id FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))
    AND +status = 'in_flight' AND lease_until = ?2 AND updated_at = ?3`;
  const [claimed, , events] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `UPDATE deliveries SET status = 'in_flight', attempts = attempts + 1, lease_until = ?2, updated_at = ?3
         WHERE id IN (SELECT value FROM json_each(?1)) AND ${waitingAndDue("?3")}
           AND reaction IN (SELECT key FROM json_each(?4)) AND NOT ${PAUSED}
         RETURNING *`,
      )
      .bind(JSON.stringify(ids), until, now, requests),
    db
      .prepare(
        `INSERT INTO attempts (delivery_id, number, started_at, request_summary)
         SELECT id, attempts, ?3, (SELECT value FROM json_each(?4) WHERE key = deliveries.reaction)
         FROM deliveries WHERE id IN (${taken})
         ON CONFLICT (delivery_id, number) DO NOTHING`,
      )
      .bind(JSON.stringify(ids), until, now, requests),
    db
      .prepare(
        `SELECT id, redacted_at, event_json FROM events
         WHERE id IN (SELECT event_id FROM deliveries WHERE id IN (${taken}))`,
      )
      .bind(JSON.stringify(ids), until, now),
  ]);
  const byId = new Map(
    ((events?.results ?? []) as unknown as ClaimedEvent[]).map((event) => [event.id, event] as const),
  );
  return ((claimed?.results ?? []) as unknown as DeliveryRow[]).map((delivery) => ({
    delivery,
    event: byId.get(delivery.event_id) ?? null,
  }));
}

/**
 * Extends the lease of deliveries still claimed by this attempt, so a long attempt (a batch narrowing down a
 * rejected record, one paced send after another) is not taken over while it is still working.
 */
export async function extendLeases(db: D1Database, ids: readonly string[], until: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .prepare(
      `UPDATE deliveries SET lease_until = ?2
       WHERE id IN (SELECT value FROM json_each(?1)) AND +status = 'in_flight' AND lease_until < ?2`,
    )
    .bind(JSON.stringify(ids), until)
    .run();
}
