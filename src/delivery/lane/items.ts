import type { DeliveryRow } from "../../store/deliveries";
import type { LaneItem } from "./work";

/** A delivery row as its lane holds it: due at its next attempt (now, if none is set). */
export function laneItem(row: DeliveryRow, now: number): LaneItem {
  return {
    deliveryId: row.id,
    reaction: row.reaction,
    eventId: row.event_id,
    dueAt: row.next_attempt_at ?? now,
    entity: row.entity_key,
    seq: row.event_seq ?? row.created_at,
  };
}
