import type { DeliveryRow } from "./deliveries";

/** A delivery with the facts of its event an operator needs to judge it without opening the event. */
export type DeliveryDetail = DeliveryRow & {
  route: string;
  event_type: string;
  event_received_at: number;
};

/** The deliveries with these ids, in the order of `ids` (ids not found are left out). */
export async function getDeliveryDetails(db: D1Database, ids: readonly string[]): Promise<DeliveryDetail[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT deliveries.*, events.route, events.type AS event_type, events.received_at AS event_received_at
       FROM deliveries JOIN events ON events.id = deliveries.event_id
       WHERE deliveries.id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(ids))
    .all<DeliveryDetail>();
  const byId = new Map(results.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
