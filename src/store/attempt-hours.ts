import { attemptHoursSql, type ConnectionRow, HOUR_MS, HOURS, windowStart } from "./hourly-activity";

/**
 * Rolls the finished hours of attempts up into attempt_hours (migrations/0015), from where the last run
 * stopped (at most the charts' 24 h back) to the last hour whose attempts have all been answered: one that
 * ended at least `leaseMs` ago (an attempt's claim lasts that long). Rows older than the charts' window are
 * dropped. One read and one batch (atomic: the rows and the new `through` together); a run finding nothing new
 * to roll up costs the read of one row. Returns the hours rolled up.
 */
export async function rollUpAttemptHours(db: D1Database, now: number, leaseMs: number): Promise<number> {
  const final = Math.floor((now - leaseMs) / HOUR_MS) * HOUR_MS;
  const marker = await db
    .prepare("SELECT through FROM rollups WHERE name = 'attempt_hours'")
    .first<{ through: number }>();
  const from = Math.max(marker?.through ?? 0, windowStart(now));
  if (from >= final) return 0;
  const { results } = await db
    .prepare(attemptHoursSql("?1", "?1", "?2"))
    .bind(from, final)
    .all<ConnectionRow>();
  const rows = results.filter((row) => row.outcome !== null);
  await db.batch([
    ...rows.map((row) =>
      db
        .prepare(
          `INSERT OR REPLACE INTO attempt_hours (connection_id, hour, outcome, n, p50, p95)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
        )
        .bind(row.connection, from + row.slot * HOUR_MS, row.outcome, row.n, row.p50, row.p95),
    ),
    db
      .prepare(
        `INSERT INTO rollups (name, through) VALUES ('attempt_hours', ?1)
         ON CONFLICT (name) DO UPDATE SET through = MAX(through, excluded.through)`,
      )
      .bind(final),
    db.prepare("DELETE FROM attempt_hours WHERE hour < ?1").bind(windowStart(now) - HOURS * HOUR_MS),
  ]);
  return (final - from) / HOUR_MS;
}
