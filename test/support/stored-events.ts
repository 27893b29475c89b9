import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { AttemptRow } from "../../src/store/attempts";
import type { DeliveryRow } from "../../src/store/deliveries";
import type { EventRow } from "../../src/store/events";
import { waitFor } from "./wait";

/** An events row with the columns of migrations/0004_retention.sql and 0005_erasure_progress.sql. */
export type StoredEventRow = EventRow & {
  redacted_at: number | null;
  email_hash: string | null;
  redaction_attempted_at: number | null;
};
export type StoredAttemptRow = AttemptRow & { bodies_removed_at: number | null };

/** The id of an accepted delivery (202). */
export async function acceptedId(res: Response): Promise<string> {
  expect(res.status).toBe(202);
  return (await res.json<{ id: string }>()).id;
}

export async function eventRow(id: string): Promise<StoredEventRow> {
  const row = await env.DB.prepare("SELECT * FROM events WHERE id = ?1").bind(id).first<StoredEventRow>();
  if (!row) throw new Error(`event ${id} not stored`);
  return row;
}

export async function deliveriesOf(eventId: string): Promise<DeliveryRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM deliveries WHERE event_id = ?1 ORDER BY reaction")
    .bind(eventId)
    .all<DeliveryRow>();
  return results;
}

export async function attemptsOf(eventId: string): Promise<StoredAttemptRow[]> {
  const { results } = await env.DB.prepare(
    `SELECT attempts.* FROM attempts JOIN deliveries ON deliveries.id = attempts.delivery_id
     WHERE deliveries.event_id = ?1 ORDER BY attempts.id`,
  )
    .bind(eventId)
    .all<StoredAttemptRow>();
  return results;
}

const IN_PROGRESS = new Set(["accepted", "queued", "processing"]);

/** Waits until the real queues have taken the event to a final status (done, failed, unrecognized...). */
export function settled(eventId: string, timeoutMs = 15_000): Promise<StoredEventRow> {
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
