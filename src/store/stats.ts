import { type DeliveryStatus, WAITING_BY_STATUS } from "./deliveries";
import type { EventStatus } from "./events";

type Counts<S extends string> = Partial<Record<S, number>>;

export interface BridgeStats {
  events: Counts<EventStatus>;
  deliveries: Counts<DeliveryStatus>;
  /** Deliveries dead-lettered and not retried since. */
  deadLetterDepth: number;
  /** Age of the oldest delivery still waiting for a successful attempt (pending or retrying); null if none. */
  oldestPendingAgeMs: number | null;
  routes: Record<string, { events: Counts<EventStatus>; deliveries: Counts<DeliveryStatus> }>;
  connections: Record<string, { deliveries: Counts<DeliveryStatus> }>;
}

interface CountRow {
  key: string | null;
  status: string;
  n: number;
}

/** Operational counts over the whole store (two parallel round trips). */
export async function readStats(db: D1Database, now: number): Promise<BridgeStats> {
  const [[events, deliveries, routeEvents, routeDeliveries, byConnection], oldest] = await Promise.all([
    db.batch<CountRow>([
      db.prepare("SELECT NULL AS key, status, COUNT(*) AS n FROM events GROUP BY status"),
      db.prepare("SELECT NULL AS key, status, COUNT(*) AS n FROM deliveries GROUP BY status"),
      db.prepare("SELECT route AS key, status, COUNT(*) AS n FROM events GROUP BY route, status"),
      db.prepare(
        `SELECT events.route AS key, deliveries.status, COUNT(*) AS n
         FROM deliveries JOIN events ON events.id = deliveries.event_id
         GROUP BY events.route, deliveries.status`,
      ),
      db.prepare(
        "SELECT connection_id AS key, status, COUNT(*) AS n FROM deliveries GROUP BY connection_id, status",
      ),
    ]),
    db
      .prepare(`SELECT MIN(created_at) AS at FROM deliveries WHERE ${WAITING_BY_STATUS}`)
      .first<{ at: number | null }>(),
  ]);
  const rows = (result: D1Result<CountRow> | undefined) => result?.results ?? [];
  const deliveryCounts = counts<DeliveryStatus>(rows(deliveries));

  const eventsByRoute = countsByKey<EventStatus>(rows(routeEvents));
  const deliveriesByRoute = countsByKey<DeliveryStatus>(rows(routeDeliveries));
  const routeNames = new Set([...Object.keys(eventsByRoute), ...Object.keys(deliveriesByRoute)]);
  const routes = Object.fromEntries(
    [...routeNames].map((name) => [
      name,
      { events: eventsByRoute[name] ?? {}, deliveries: deliveriesByRoute[name] ?? {} },
    ]),
  );
  const connections = Object.fromEntries(
    Object.entries(countsByKey<DeliveryStatus>(rows(byConnection))).map(([id, deliveries]) => [
      id,
      { deliveries },
    ]),
  );

  return {
    events: counts<EventStatus>(rows(events)),
    deliveries: deliveryCounts,
    deadLetterDepth: deliveryCounts.dead ?? 0,
    oldestPendingAgeMs: oldest?.at == null ? null : Math.max(0, now - oldest.at),
    routes,
    connections,
  };
}

function countsByKey<S extends string>(rows: readonly CountRow[]): Record<string, Counts<S>> {
  const grouped: Record<string, Counts<S>> = {};
  for (const row of rows) {
    const key = row.key ?? "";
    grouped[key] = { ...grouped[key], [row.status]: row.n };
  }
  return grouped;
}

function counts<S extends string>(rows: readonly CountRow[]): Counts<S> {
  return Object.fromEntries(rows.map((row) => [row.status, row.n])) as Counts<S>;
}
