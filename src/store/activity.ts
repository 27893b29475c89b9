import type { AttemptOutcome, DeliveryStatus } from "./deliveries";
import type { EventStatus } from "./events";

/*
 * The activity feed: what happened, in the order it happened, from a cursor. Three streams are merged, each
 * read along its own index (migrations/0016): events by received_at, deliveries by created_at (planned),
 * attempts by finished_at. A position is (time, stream, key); ties at one millisecond go by stream, then key.
 */

export const ACTIVITY_KINDS = ["event.received", "delivery.planned", "attempt.finished"] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** A position in the feed: everything at or before it was read. `kind` -1 is "before every stream at `at`". */
export interface ActivityPosition {
  at: number;
  /** Index in ACTIVITY_KINDS, or -1. */
  kind: number;
  /** The row's key in its stream (event id, delivery id, attempt id); unused when `kind` is -1. */
  key: string | number;
}

export interface ActivityFilters {
  route?: string;
  /** Only deliveries and attempts of this reaction (events are left out). */
  reaction?: string;
  /** Matched against each item's own status: an event's, a delivery's, an attempt's outcome. */
  statuses?: readonly string[];
}

export interface ActivityRow {
  kind: ActivityKind;
  at: number;
  key: string | number;
  event_id: string;
  route: string;
  type: string;
  status: EventStatus | DeliveryStatus | AttemptOutcome;
  reaction: string | null;
  delivery_id: string | null;
  connection_id: string | null;
  attempt: number | null;
  duration_ms: number | null;
  error_code: string | null;
  request_summary: string | null;
  next_attempt_at: number | null;
}

/** SQL for "this stream's row comes after the position", given the stream's time and key columns. */
export function afterPosition(
  stream: number,
  position: ActivityPosition,
  time: string,
  key: string,
): { sql: string; values: (string | number)[] } {
  if (stream < position.kind) return { sql: `${time} > ?`, values: [position.at] };
  if (stream > position.kind) return { sql: `${time} >= ?`, values: [position.at] };
  return { sql: `(${time}, ${key}) > (?, ?)`, values: [position.at, position.key] };
}

const STREAMS: Record<ActivityKind, { time: string; key: string; status: string; from: string }> = {
  "event.received": {
    time: "e.received_at",
    key: "e.id",
    status: "e.status",
    from: "events e",
  },
  "delivery.planned": {
    time: "d.created_at",
    key: "d.id",
    status: "d.status",
    from: "deliveries d JOIN events e ON e.id = d.event_id",
  },
  "attempt.finished": {
    time: "a.finished_at",
    key: "a.id",
    status: "a.outcome",
    from: "attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN events e ON e.id = d.event_id",
  },
};

const COLUMNS: Record<ActivityKind, string> = {
  "event.received": `NULL AS reaction, NULL AS delivery_id, NULL AS connection_id, NULL AS attempt,
    NULL AS duration_ms, NULL AS error_code, NULL AS request_summary, NULL AS next_attempt_at`,
  "delivery.planned": `d.reaction, d.id AS delivery_id, d.connection_id, NULL AS attempt, NULL AS duration_ms,
    NULL AS error_code, NULL AS request_summary, NULL AS next_attempt_at`,
  // The delivery's next try is shown on its latest attempt only: an older one's would be stale.
  "attempt.finished": `d.reaction, d.id AS delivery_id, d.connection_id, a.number AS attempt, a.duration_ms,
    a.error_code, a.request_summary,
    CASE WHEN d.status = 'retrying' AND d.attempts = a.number THEN d.next_attempt_at END AS next_attempt_at`,
};

/**
 * Up to `limit` items after `position` and no later than `until`, oldest first. Each stream reads at most
 * `limit` rows along its index, so a read costs about what it returns.
 */
export async function readActivity(
  db: D1Database,
  position: ActivityPosition,
  until: number,
  filters: ActivityFilters,
  limit: number,
): Promise<ActivityRow[]> {
  const kinds = ACTIVITY_KINDS.filter((kind) => kind !== "event.received" || filters.reaction === undefined);
  const statements = kinds.map((kind) => {
    const stream = STREAMS[kind];
    const after = afterPosition(ACTIVITY_KINDS.indexOf(kind), position, stream.time, stream.key);
    const where = [after.sql, `${stream.time} <= ?`];
    const values = [...after.values, until];
    if (filters.route !== undefined) {
      where.push("e.route = ?");
      values.push(filters.route);
    }
    if (filters.reaction !== undefined) {
      where.push("d.reaction = ?");
      values.push(filters.reaction);
    }
    if (filters.statuses !== undefined && filters.statuses.length > 0) {
      where.push(`${stream.status} IN (${filters.statuses.map(() => "?").join(", ")})`);
      values.push(...filters.statuses);
    }
    return db
      .prepare(
        `SELECT '${kind}' AS kind, ${stream.time} AS at, ${stream.key} AS key, e.id AS event_id, e.route, e.type,
           ${stream.status} AS status, ${COLUMNS[kind]}
         FROM ${stream.from} WHERE ${where.join(" AND ")}
         ORDER BY ${stream.time}, ${stream.key} LIMIT ?`,
      )
      .bind(...values, limit);
  });
  const results = await db.batch<ActivityRow>(statements);
  return results
    .flatMap((result) => result.results)
    .sort(compareRows)
    .slice(0, limit);
}

function compareRows(a: ActivityRow, b: ActivityRow): number {
  if (a.at !== b.at) return a.at - b.at;
  const kinds = ACTIVITY_KINDS.indexOf(a.kind) - ACTIVITY_KINDS.indexOf(b.kind);
  if (kinds !== 0) return kinds;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
