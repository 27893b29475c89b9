/** Dead deliveries read for the grouping at most: the newest ones, so the read stays bounded. */
export const DEAD_LETTERS_GROUPED = 1000;
/** Groups shown at most, the largest first. */
const GROUPS = 20;

export interface DeadLetterGroup {
  reaction: string;
  /** The delivery's last_error_code; null when it died without one. */
  code: string | null;
  count: number;
  /** When the group's first and last delivery died (epoch ms). */
  first_seen: number;
  last_seen: number;
  /** Of `count`, those that died in the 24 h before `now`: the trend. */
  last_day: number;
}

/**
 * Dead letters grouped by reaction and error code, as the dead letters page lists them (events redacted after
 * an erasure left out: they never run again). One statement over the newest DEAD_LETTERS_GROUPED dead
 * deliveries, read backwards on the deliveries_status index; `capped` says older ones were not counted.
 */
export async function deadLetterGroups(
  db: D1Database,
  now: number,
): Promise<{ groups: DeadLetterGroup[]; capped: boolean }> {
  const { results } = await db
    .prepare(
      `WITH newest AS (
         SELECT reaction, last_error_code, updated_at FROM deliveries
         WHERE status = 'dead'
           AND NOT EXISTS (SELECT 1 FROM events WHERE events.id = deliveries.event_id AND redacted_at IS NOT NULL)
         ORDER BY updated_at DESC LIMIT ?2)
       SELECT reaction, last_error_code AS code, COUNT(*) AS count, MIN(updated_at) AS first_seen,
         MAX(updated_at) AS last_seen, SUM(updated_at >= ?1) AS last_day, SUM(COUNT(*)) OVER () AS read
       FROM newest GROUP BY reaction, last_error_code
       ORDER BY count DESC, last_seen DESC LIMIT ${GROUPS}`,
    )
    .bind(now - 86_400_000, DEAD_LETTERS_GROUPED)
    .all<DeadLetterGroup & { read: number }>();
  return {
    groups: results.map(({ read: _read, ...group }) => group),
    capped: (results[0]?.read ?? 0) >= DEAD_LETTERS_GROUPED,
  };
}
