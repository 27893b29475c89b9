import { DELIVERY_PAUSED } from "../pauses";

/**
 * One home for a delivery's state: its statuses, which may follow which, and the conditions the store's
 * statements test, written once and used by every statement that moves a delivery.
 *
 *   pending ──claim──▶ in_flight ──record──▶ succeeded | retrying | dead
 *   retrying ─claim──▶ in_flight            (retrying waits for next_attempt_at, then is claimed again)
 *   in_flight, lease run out ──claim (retake)──▶ in_flight, or ──▶ dead (outcome_unknown, not retakable)
 *   pending | retrying ──▶ succeeded (superseded) | dead (reaction gone, erased before sent)
 *   dead | retrying ──operator retry──▶ pending; succeeded | dead ──forced replay──▶ pending
 */
export type DeliveryStatus = "pending" | "in_flight" | "retrying" | "succeeded" | "dead";

export const TRANSITIONS: Readonly<Record<DeliveryStatus, readonly DeliveryStatus[]>> = {
  pending: ["in_flight", "succeeded", "dead"],
  retrying: ["in_flight", "succeeded", "dead", "pending"],
  in_flight: ["in_flight", "succeeded", "retrying", "dead"],
  succeeded: ["pending"],
  dead: ["pending"],
};

/** Waiting for an attempt (SQL, on `deliveries`). The `+` keeps SQLite on the primary key (see claims.ts). */
export const WAITING = "+status IN ('pending', 'retrying')";
/** WAITING for a scan by status (no id to go by): this form lets SQLite use the status index. */
export const WAITING_BY_STATUS = "status IN ('pending', 'retrying')";
/** Waiting and due at `now` (an SQL expression, e.g. a bound parameter `?3`). */
export const waitingAndDue = (now: string) =>
  `${WAITING} AND (next_attempt_at IS NULL OR next_attempt_at <= ${now})`;
/** Claimed by an attempt whose lease ran out before `now`: its worker is presumed lost. */
export const leaseRunOut = (now: string) => `+status = 'in_flight' AND lease_until < ${now}`;
/** Held by a pause of its route or connection (src/store/pauses.ts): waits unclaimed, no attempt spent. */
export const PAUSED = DELIVERY_PAUSED;

/** What replaces free texts (status reasons, last errors) of a redacted event: they may echo a vendor's answer. */
export const ERASED_TEXT = "text removed: the event was redacted after an erasure request";
/**
 * True inside an UPDATE for the delivery `id` (an SQL expression) when an erasure redacted its event while the
 * call ran. A delivery holding its event (the erasure's own deletion) sent only the address, which error texts
 * mask anyway, so its errors stay readable for the operator.
 */
export const eventRedacted = (
  id: string,
) => `EXISTS (SELECT 1 FROM deliveries AS d JOIN events AS e ON e.id = d.event_id
  WHERE d.id = ${id} AND e.redacted_at IS NOT NULL AND d.held_event_json IS NULL)`;
export const EVENT_REDACTED = eventRedacted("?1");
