import type { AttemptRow } from "../../../store/attempts";
import type { DeliveryRow } from "../../../store/deliveries";
import { Badge, Time } from "../components";
import { RetryForm } from "../retry-form";
import { AttemptTable } from "./attempt-table";

/** Deliveries offered a retry: the ones that gave up or are waiting to retry (never succeeded ones here). */
const RETRYABLE: readonly DeliveryRow["status"][] = ["dead", "retrying"];

/** One delivery: its status, why it waits (from the timeline), its last error and every attempt. */
export function DeliveryCard({
  delivery,
  attempts,
  waits,
  here,
  now,
}: {
  delivery: DeliveryRow;
  attempts: AttemptRow[];
  /** Why it waits now, as the timeline says it; undefined once it ended. */
  waits: string | undefined;
  here: string;
  now: number;
}) {
  // A retry time in the past is not when the next attempt comes: the delivery is due, and waits in its lane.
  const nextAttempt = delivery.status === "retrying" && (delivery.next_attempt_at ?? 0) > now;
  return (
    <div class="card" id={`delivery-${delivery.reaction}`}>
      <div class="card-head">
        <h3>{delivery.reaction}</h3>
        <Badge value={delivery.status} />
        <span class="muted">
          {delivery.recipe} via {delivery.connection_id}
        </span>
        <span class="spacer" />
        {RETRYABLE.includes(delivery.status) && (
          <RetryForm delivery={delivery} returnTo={here} tone="primary" />
        )}
      </div>
      <dl class="facts">
        <dt>Attempts</dt>
        <dd>{delivery.attempts}</dd>
        {waits && (
          <>
            <dt>Waits</dt>
            <dd class="waits">{waits}</dd>
          </>
        )}
        {nextAttempt && (
          <>
            <dt>Next attempt</dt>
            <dd>
              <Time ms={delivery.next_attempt_at} />
            </dd>
          </>
        )}
        {delivery.completed_at !== null && (
          <>
            <dt>Completed</dt>
            <dd>
              <Time ms={delivery.completed_at} />
            </dd>
          </>
        )}
        {delivery.last_error_code && (
          <>
            <dt>Last error</dt>
            <dd>
              <code>{delivery.last_error_code}</code> {delivery.last_error}
            </dd>
          </>
        )}
      </dl>
      {attempts.length > 0 && <AttemptTable attempts={attempts} />}
    </div>
  );
}
