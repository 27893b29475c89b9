import type { AttemptOutcome } from "./deliveries";

/** The charts' slot: one hour. */
export const HOUR_MS = 3_600_000;
/** How many slots a chart covers: the last 24 hours, the current one included. */
export const HOURS = 24;

/** The first millisecond of the oldest hour charted at `now`. */
export const windowStart = (now: number) => Math.floor(now / HOUR_MS) * HOUR_MS - (HOURS - 1) * HOUR_MS;

/** Per route, per hour of the window: events received, and those failed (a reaction dead-lettered). */
export type RouteActivity = Record<string, { received: number[]; failed: number[] }>;

/** Per connection, per hour: attempts by outcome and the p50 / p95 call time (null: no finished call). */
export type ConnectionActivity = Record<
  string,
  { outcomes: Record<AttemptOutcome, number[]>; p50: (number | null)[]; p95: (number | null)[] }
>;

const OUTCOMES: readonly AttemptOutcome[] = ["success", "transient", "permanent", "unknown"];
const zeros = () => Array.from({ length: HOURS }, () => 0);
const nulls = () => Array.from({ length: HOURS }, (): number | null => null);

interface RouteRow {
  route: string;
  slot: number;
  received: number;
  failed: number;
}

/**
 * Events per route and hour over the last 24 h, counted at read time: one statement walking the
 * events_received index over the window only (rows read grow with the day's events, not the table). Named,
 * because SQLite would rather scan all of the covering events_route_received for the GROUP BY.
 */
export async function routeActivity(db: D1Database, now: number): Promise<RouteActivity> {
  // D1 binds a JS number as REAL: the CASTs below keep the hour slots whole numbers.
  const start = windowStart(now);
  const { results } = await db
    .prepare(
      `SELECT route, CAST((received_at - ?1) / ${HOUR_MS} AS INTEGER) AS slot, COUNT(*) AS received,
         SUM(status = 'failed') AS failed
       FROM events INDEXED BY events_received WHERE received_at >= ?1
       GROUP BY route, slot`,
    )
    .bind(start)
    .all<RouteRow>();
  const activity: RouteActivity = {};
  for (const row of results) {
    if (row.slot < 0 || row.slot >= HOURS) continue;
    activity[row.route] ??= { received: zeros(), failed: zeros() };
    const route = activity[row.route];
    if (!route) continue;
    route.received[row.slot] = row.received;
    route.failed[row.slot] = row.failed;
  }
  return activity;
}

export interface ConnectionRow {
  connection: string;
  slot: number;
  outcome: AttemptOutcome | null;
  n: number;
  p50: number | null;
  p95: number | null;
}

/** Where the cron's roll-up of finished hours ends (migrations/0015): hours before it are read from there. */
export const ROLLED_UP_THROUGH = (windowStart: string) =>
  `(SELECT MAX(COALESCE(MAX(through), 0), ${windowStart}) FROM rollups WHERE name = 'attempt_hours')`;

/**
 * Attempts per connection, hour (slot counted from `base`) and outcome, started in [`from`, `to`) (SQL
 * expressions), with the hour's p50 and p95 call time: nearest rank over its finished calls. Each outcome's
 * group carries the hour's percentiles (the lowest over its rows), so groups of one hour merge by taking the
 * lowest. Walks the attempts_started index (migrations/0014) over that range only.
 */
export const attemptHoursSql = (base: string, from: string, to: string) => `WITH timed AS (
    SELECT deliveries.connection_id AS connection, attempts.outcome AS outcome, attempts.duration_ms AS ms,
      CAST((attempts.started_at - ${base}) / ${HOUR_MS} AS INTEGER) AS slot,
      ROW_NUMBER() OVER hour AS rank,
      COUNT(attempts.duration_ms) OVER (hour ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS timed
    FROM attempts JOIN deliveries ON deliveries.id = attempts.delivery_id
    WHERE attempts.started_at >= ${from} AND attempts.started_at < ${to}
    WINDOW hour AS (PARTITION BY deliveries.connection_id, CAST((attempts.started_at - ${base}) / ${HOUR_MS} AS INTEGER)
                    ORDER BY attempts.duration_ms NULLS LAST))
  SELECT connection, slot, outcome, COUNT(*) AS n,
    MIN(CASE WHEN ms IS NOT NULL AND rank >= (timed * 50 + 99) / 100 THEN ms END) AS p50,
    MIN(CASE WHEN ms IS NOT NULL AND rank >= (timed * 95 + 99) / 100 THEN ms END) AS p95
  FROM timed GROUP BY connection, slot, outcome`;

/**
 * Attempts per connection, hour and outcome over the last 24 h, with each hour's p50 and p95 call time. The
 * hours the cron rolled up (src/store/attempt-hours.ts) are read as stored, a few rows per connection and
 * hour; only the attempts since are counted here. Without a roll-up (cron not run), the whole window is.
 */
export async function connectionActivity(db: D1Database, now: number): Promise<ConnectionActivity> {
  const through = ROLLED_UP_THROUGH("?1");
  const [rolled, live] = await db.batch<ConnectionRow>([
    db
      .prepare(
        `SELECT connection_id AS connection, CAST((hour - ?1) / ${HOUR_MS} AS INTEGER) AS slot, outcome, n, p50, p95
         FROM attempt_hours WHERE hour >= ?1 AND hour < ${through}`,
      )
      .bind(windowStart(now)),
    db.prepare(attemptHoursSql("?1", through, "?2")).bind(windowStart(now), now + HOUR_MS),
  ]);
  return collectConnections([...(rolled?.results ?? []), ...(live?.results ?? [])]);
}

function collectConnections(rows: readonly ConnectionRow[]): ConnectionActivity {
  const activity: ConnectionActivity = {};
  for (const row of rows) {
    if (row.slot < 0 || row.slot >= HOURS) continue;
    activity[row.connection] ??= {
      outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, zeros()])) as Record<AttemptOutcome, number[]>,
      p50: nulls(),
      p95: nulls(),
    };
    const connection = activity[row.connection];
    if (!connection) continue;
    if (row.outcome !== null) connection.outcomes[row.outcome][row.slot] = row.n;
    // Percentiles are per hour, not per outcome: each outcome's group saw the hour's ranks, keep the lowest.
    connection.p50[row.slot] = lowest(connection.p50[row.slot] ?? null, row.p50);
    connection.p95[row.slot] = lowest(connection.p95[row.slot] ?? null, row.p95);
  }
  return activity;
}

const lowest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
