import { z } from "zod";
import { loadConfig } from "../../../config";
import { ALERT_ROUTE } from "../../../delivery/alerts";
import { InvalidRequestError } from "../../../errors";
import { decodeCursor, type EventListItem, encodeCursor, listEvents } from "../../../store/event-list";
import { routeActivity } from "../../../store/hourly-activity";
import { type BridgeStats, readStats } from "../../../store/stats";
import { deliveryStatus, eventStatus } from "../../api/schemas";
import { searchFilters } from "../../operations/event-search";
import { RouteCharts } from "../charts/activity-charts";
import { Badge, Counts, formatDuration, Select, Stat, Time } from "../components";
import type { DashboardContext } from "../dashboard-env";
import { summarizeEvent } from "../event/event-summary";
import { optionalText, readQuery } from "../forms";
import { renderPage } from "../render";

const PAGE_SIZE = 50;

const listQuery = z.object({
  /** What the event carries: an e-mail (matched by its keyed hash) or an id (src/admin/operations/event-search.ts). */
  q: optionalText,
  route: optionalText,
  type: optionalText,
  status: z
    .union([eventStatus, z.literal("")])
    .optional()
    .transform((value) => value || undefined),
  cursor: optionalText,
  limit: z.coerce.number().int().min(1).max(200).default(PAGE_SIZE),
});
type Filters = Omit<z.output<typeof listQuery>, "cursor" | "limit">;

export const eventPath = (id: string) => `/admin/events/${encodeURIComponent(id)}`;

/** /admin: the header figures and the newest events, filtered and paginated by cursor. */
export async function eventsPage(c: DashboardContext): Promise<Response> {
  const { cursor, limit, ...filters } = readQuery(c, listQuery);
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  if (after === null) throw new InvalidRequestError("This page link is broken.", ["cursor: not a cursor"]);
  const now = Date.now();
  const { q, ...listFilters } = filters;
  const search = await searchFilters(c.env, { q });
  const [stats, page, activity] = await Promise.all([
    readStats(c.env.DB, now),
    listEvents(c.env.DB, { ...listFilters, ...search }, { limit, ...(after && { after }) }),
    routeActivity(c.env.DB, now),
  ]);
  const routes = Object.keys(loadConfig(c.env).routes);
  // Page links keep the filters (and a page size other than the default).
  const sized: Record<string, string> = limit === PAGE_SIZE ? {} : { limit: String(limit) };
  const query = (extra: Record<string, string> = {}) =>
    `/admin?${new URLSearchParams({ ...definedOnly(filters), ...sized, ...extra })}`;
  return renderPage(
    c,
    { title: "Events", active: "events", refresh: true },
    <>
      <Overview stats={stats} />
      <RouteCharts activity={activity} now={now} />
      <h1>Events</h1>
      <FilterForm filters={filters} routes={routes} />
      <EventTable events={page.events} />
      <div class="pager">
        {cursor ? <a href={query()}>← Newest</a> : <span />}
        {page.next && <a href={query({ cursor: encodeCursor(page.next) })}>Older events →</a>}
      </div>
    </>,
  );
}

function definedOnly(filters: Filters): Record<string, string> {
  return Object.fromEntries(Object.entries(filters).filter((entry): entry is [string, string] => !!entry[1]));
}

function Overview({ stats }: { stats: BridgeStats }) {
  const total = Object.values(stats.events).reduce((sum, n) => sum + (n ?? 0), 0);
  return (
    <>
      <div class="stats">
        <Stat label="Events stored" value={total} />
        <Stat
          label="Dead letters"
          value={<a href="/admin/dead-letters">{stats.deadLetterDepth}</a>}
          bad={stats.deadLetterDepth > 0}
        />
        <Stat
          label="Oldest waiting delivery"
          value={stats.oldestPendingAgeMs === null ? "none" : formatDuration(stats.oldestPendingAgeMs)}
        />
      </div>
      <div class="card">
        <dl class="facts">
          <dt>Events by status</dt>
          <dd>
            <Counts counts={stats.events} order={eventStatus.options} />
          </dd>
          <dt>Deliveries by status</dt>
          <dd>
            <Counts counts={stats.deliveries} order={deliveryStatus.options} />
          </dd>
        </dl>
      </div>
    </>
  );
}

function FilterForm({ filters, routes }: { filters: Filters; routes: string[] }) {
  return (
    <form class="filters" method="get" action="/admin">
      <label>
        Find
        <input
          type="search"
          name="q"
          value={filters.q ?? ""}
          placeholder="e-mail, order id, vendor event id, subject"
        />
      </label>
      <Select label="Route" name="route" options={routes} selected={filters.route} />
      <label>
        Type
        <input type="text" name="type" value={filters.type ?? ""} placeholder="e.g. order.paid" />
      </label>
      <Select label="Status" name="status" options={eventStatus.options} selected={filters.status} />
      <button type="submit">Filter</button>
      <a class="button" href="/admin">
        Clear
      </a>
    </form>
  );
}

function EventTable({ events }: { events: EventListItem[] }) {
  if (events.length === 0) return <div class="table-wrap empty">No events match.</div>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Received</th>
            <th>Route</th>
            <th>Type</th>
            <th>About</th>
            <th>Status</th>
            <th>Verification</th>
            <th>Deliveries</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr>
              <td>
                <Time ms={event.received_at} />
              </td>
              <td>
                {event.route}
                {event.vendor_event_type && <div class="muted mono">{event.vendor_event_type}</div>}
              </td>
              <td>
                <a href={eventPath(event.id)}>{event.type}</a>
                <div class="muted mono">{event.id}</div>
              </td>
              <td class="about">
                {summarizeEvent({ type: event.type, data: event.data })
                  .slice(0, 3)
                  .map(([label, value]) => (
                    <div>
                      <span class="muted">{label}</span> {value}
                    </div>
                  ))}
              </td>
              <td title={event.status_reason ?? undefined}>
                <Badge value={event.status} />
              </td>
              <td>
                {/* The bridge's own events were never received from a vendor: nothing was verified. */}
                <Badge value={event.route === ALERT_ROUTE ? "internal" : event.verification} />
              </td>
              <td>
                <Counts counts={event.deliveries} order={deliveryStatus.options} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
