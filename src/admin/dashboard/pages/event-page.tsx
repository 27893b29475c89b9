import { loadConfig } from "../../../config";
import { ALERT_ROUTE } from "../../../delivery/alerts";
import { NotFoundError } from "../../../errors";
import { type AttemptRow, listEventAttempts } from "../../../store/attempts";
import { listDeliveries } from "../../../store/deliveries";
import { type EventRow, getEvent } from "../../../store/events";
import { readStoredEvent } from "../../../store/stored-event";
import { readIssues } from "../../operations/issues";
import { Badge, ReturnTo, Time } from "../components";
import type { DashboardContext } from "../dashboard-env";
import { DeliveryCard } from "../event/delivery-card";
import { maskedJson, type SummaryField, summarizeEvent } from "../event/event-summary";
import { buildTimeline, waitReasons } from "../event/timeline";
import { TimelineView } from "../event/timeline-view";
import { renderPage } from "../render";
import { eventPath } from "./events-page";

/**
 * /admin/events/:id: what the event is about, its story (timeline), each delivery with every attempt, the
 * CloudEvent and the raw body while retention keeps it, both with the person masked.
 */
export async function eventPage(c: DashboardContext): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const row = await getEvent(c.env.DB, id);
  if (!row) throw new NotFoundError("event_not_found", `No event with id "${id}".`);
  const now = Date.now();
  const [deliveries, attempts, issues] = await Promise.all([
    listDeliveries(c.env.DB, row.id),
    listEventAttempts(c.env.DB, row.id),
    readIssues(c.env, now),
  ]);
  const here = eventPath(row.id);
  const event = readStoredEvent(row.event_json);
  const breakers = Object.fromEntries(
    Object.entries(issues.lanes).map(([name, lane]) => [name, lane.breaker]),
  );
  const lanes = { breakers, pauses: issues.pauses, event: row };
  const steps = buildTimeline({ ...lanes, deliveries, attempts, now });
  const internal = row.route === ALERT_ROUTE;
  return renderPage(
    c,
    { title: `${row.type} ${row.id}`, active: "events", issues, refresh: true },
    <>
      <EventFacts row={row} here={here} summary={summarizeEvent(event)} internal={internal} />
      <h2>Timeline</h2>
      <div class="card">
        <TimelineView steps={steps} />
      </div>
      <h2>Deliveries</h2>
      {deliveries.length === 0 && <div class="card muted">No reactions were planned for this event.</div>}
      {deliveries.map((delivery) => (
        <DeliveryCard
          delivery={delivery}
          attempts={attempts.filter((a: AttemptRow) => a.delivery_id === delivery.id)}
          waits={waitReasons(delivery, lanes, now).join("; ") || undefined}
          here={here}
          now={now}
        />
      ))}
      <h2>CloudEvent</h2>
      <pre class="full">{maskedJson(row.event_json)}</pre>
      {!internal && <Received row={row} kept={keptUntil(c, row) > now} />}
    </>,
  );
}

/** When retention removes the event's raw body (the cron may do it a little later: not shown past this). */
const keptUntil = (c: DashboardContext, row: EventRow) =>
  row.received_at + loadConfig(c.env).retention.raw_payload_days * 86_400_000;

/** The delivery as the vendor sent it: the body while retention keeps it, and the audit headers. */
function Received({ row, kept }: { row: EventRow; kept: boolean }) {
  return (
    <>
      <h2>Raw body</h2>
      {row.raw_body === null || !kept ? (
        <p class="muted">Removed by retention (RETENTION.raw_payload_days) or an erasure request.</p>
      ) : (
        <>
          <p class="muted">As received, with the person's data masked as in dead letters.</p>
          <pre class="full raw-body">{maskedJson(row.raw_body)}</pre>
        </>
      )}
      <details>
        <summary>Headers kept at ingress</summary>
        <pre>{JSON.stringify(JSON.parse(row.raw_headers), null, 2)}</pre>
      </details>
    </>
  );
}

function EventFacts(props: { row: EventRow; here: string; summary: SummaryField[]; internal: boolean }) {
  const { row, here, summary, internal } = props;
  return (
    <div class="card">
      <div class="card-head">
        <h1>{row.type}</h1>
        <Badge value={row.status} />
        {internal && <Badge value="internal" />}
        <span class="spacer" />
        {row.status === "rejected" ? (
          <span class="muted">Rejected events are never reacted to.</span>
        ) : (
          <ReplayForm here={here} />
        )}
      </div>
      {internal && (
        <p class="muted">
          Raised by the bridge itself (an operational event): no vendor sent it, so there is nothing to verify
          and no delivery headers.
        </p>
      )}
      <dl class="facts summary">
        {summary.map(([label, value]) => (
          <>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </>
        ))}
        <dt>Id</dt>
        <dd class="mono">{row.id}</dd>
        {row.status_reason && (
          <>
            <dt>Status reason</dt>
            <dd>{row.status_reason}</dd>
          </>
        )}
        <dt>Route</dt>
        <dd>{internal ? `${row.route} (the bridge's own)` : row.route}</dd>
        {!internal && (
          <>
            <dt>Vendor event type</dt>
            <dd class="mono">{row.vendor_event_type ?? "—"}</dd>
            <dt>Verification</dt>
            <dd>
              <Badge value={row.verification} />
            </dd>
          </>
        )}
        <dt>Subject</dt>
        <dd class="mono">{row.subject ?? "—"}</dd>
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

function ReplayForm({ here }: { here: string }) {
  return (
    <form class="inline" method="post" action={`${here}/replay`}>
      <ReturnTo path={here} />
      <label class="check">
        <input type="checkbox" name="force" /> also re-run succeeded deliveries and those whose outcome is
        unknown
      </label>
      <button type="submit" class="primary">
        Replay
      </button>
    </form>
  );
}
