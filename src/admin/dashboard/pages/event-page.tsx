import { NotFoundError } from "../../../errors";
import { type AttemptRow, listEventAttempts } from "../../../store/attempts";
import { type DeliveryRow, listDeliveries } from "../../../store/deliveries";
import { type EventRow, getEvent } from "../../../store/events";
import { readStoredEvent } from "../../../store/stored-event";
import { presentAttempt } from "../../api/present";
import { Badge, formatDuration, ReturnTo, Time } from "../components";
import type { DashboardContext } from "../dashboard-env";
import { renderPage } from "../render";
import { RetryForm } from "../retry-form";
import { eventPath } from "./events-page";

/** Deliveries offered a retry: the ones that gave up or are waiting to retry (never succeeded ones here). */
const RETRYABLE: readonly DeliveryRow["status"][] = ["dead", "retrying"];

/** /admin/events/:id: the event as stored, each delivery with every attempt, and the replay and retry forms. */
export async function eventPage(c: DashboardContext): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const row = await getEvent(c.env.DB, id);
  if (!row) throw new NotFoundError("event_not_found", `No event with id "${id}".`);
  const [deliveries, attempts] = await Promise.all([
    listDeliveries(c.env.DB, row.id),
    listEventAttempts(c.env.DB, row.id),
  ]);
  const here = eventPath(row.id);
  return renderPage(
    c,
    { title: `${row.type} ${row.id}`, active: "events" },
    <>
      <EventFacts row={row} here={here} />
      <h2>Deliveries</h2>
      {deliveries.length === 0 && <div class="card muted">No reactions were planned for this event.</div>}
      {deliveries.map((delivery) => (
        <DeliveryCard
          delivery={delivery}
          attempts={attempts.filter((a) => a.delivery_id === delivery.id)}
          here={here}
        />
      ))}
      <h2>CloudEvent</h2>
      <pre>{JSON.stringify(readStoredEvent(row.event_json), null, 2)}</pre>
      <details>
        <summary>Headers kept at ingress</summary>
        <pre>{JSON.stringify(JSON.parse(row.raw_headers), null, 2)}</pre>
      </details>
    </>,
  );
}

function EventFacts({ row, here }: { row: EventRow; here: string }) {
  return (
    <div class="card">
      <div class="card-head">
        <h1>{row.type}</h1>
        <Badge value={row.status} />
        <span class="spacer" />
        {row.status === "rejected" ? (
          <span class="muted">Rejected events are never reacted to.</span>
        ) : (
          <form class="inline" method="post" action={`${here}/replay`}>
            <ReturnTo path={here} />
            <label class="check">
              <input type="checkbox" name="force" /> also re-run succeeded deliveries and those whose outcome
              is unknown
            </label>
            <button type="submit" class="primary">
              Replay
            </button>
          </form>
        )}
      </div>
      <dl class="facts">
        <dt>Id</dt>
        <dd class="mono">{row.id}</dd>
        {row.status_reason && (
          <>
            <dt>Status reason</dt>
            <dd>{row.status_reason}</dd>
          </>
        )}
        <dt>Route</dt>
        <dd>{row.route}</dd>
        <dt>Vendor</dt>
        <dd>{row.vendor}</dd>
        <dt>Vendor event type</dt>
        <dd class="mono">{row.vendor_event_type ?? "—"}</dd>
        <dt>Subject</dt>
        <dd class="mono">{row.subject ?? "—"}</dd>
        <dt>Verification</dt>
        <dd>
          <Badge value={row.verification} />
        </dd>
        <dt>Received</dt>
        <dd>
          <Time ms={row.received_at} />
        </dd>
        <dt>De-duplication key</dt>
        <dd class="mono">{row.dedupe_key}</dd>
      </dl>
    </div>
  );
}

function DeliveryCard({
  delivery,
  attempts,
  here,
}: {
  delivery: DeliveryRow;
  attempts: AttemptRow[];
  here: string;
}) {
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
        {delivery.status === "retrying" && (
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

function AttemptTable({ attempts }: { attempts: AttemptRow[] }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>Started</th>
            <th>Outcome</th>
            <th>Error code</th>
            <th>Response</th>
            <th>Duration</th>
            <th>Request</th>
            <th>Response excerpt</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((attempt) => {
            const request = presentAttempt(attempt).request;
            return (
              <tr>
                <td>{attempt.number}</td>
                <td>
                  <Time ms={attempt.started_at} />
                </td>
                <td>{attempt.outcome ? <Badge value={attempt.outcome} /> : <Badge value="in_flight" />}</td>
                <td class="mono">
                  {attempt.error_code ?? "—"}
                  {attempt.input_unchecked === 1 && <div class="muted">input not checked</div>}
                </td>
                <td>{attempt.response_status ?? "—"}</td>
                <td>{attempt.duration_ms === null ? "—" : formatDuration(attempt.duration_ms)}</td>
                <td>
                  <span class="mono">
                    {request.method} {request.path}
                  </span>
                  {request.body && (
                    <details>
                      <summary>body</summary>
                      <pre>{request.body}</pre>
                    </details>
                  )}
                </td>
                <td>
                  {attempt.response_excerpt ? (
                    <details>
                      <summary>show</summary>
                      <pre>{attempt.response_excerpt}</pre>
                    </details>
                  ) : (
                    "—"
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
