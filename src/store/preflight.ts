/** The last preflight report (migrations/0012_action_checks.sql), as stored: its JSON and when it ran. */
export async function readPreflight(db: D1Database): Promise<{ checkedAt: number; report: string } | null> {
  const row = await db
    .prepare("SELECT checked_at, report FROM preflight_reports WHERE id = 1")
    .first<{ checked_at: number; report: string }>();
  return row ? { checkedAt: row.checked_at, report: row.report } : null;
}

export async function savePreflight(db: D1Database, report: string, checkedAt: number): Promise<void> {
  await db
    .prepare("INSERT OR REPLACE INTO preflight_reports (id, checked_at, report) VALUES (1, ?1, ?2)")
    .bind(checkedAt, report)
    .run();
}

/** Attempts whose action input went out unchecked since `since`, per reaction (migrations/0012). */
export async function uncheckedInputs(db: D1Database, since: number): Promise<Record<string, number>> {
  const { results } = await db
    .prepare(
      `SELECT d.reaction, count(*) AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
       WHERE a.input_unchecked = 1 AND a.started_at >= ?1 GROUP BY d.reaction`,
    )
    .bind(since)
    .all<{ reaction: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.reaction, r.n]));
}
