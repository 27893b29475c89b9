export interface ReconciliationRecord {
  deliveryId: string;
  attempt: number;
  reaction: string;
  /** What was read to decide (Reconciliation `check`). */
  check: string;
  /** src/reactions/types.ts Reconciliation: applied | not_applied | unknown | retry. */
  verdict: string;
  at: number;
}

/** Records one attempt's reconciliation verdict (migrations/0011_reconciliations.sql). */
export async function recordReconciliation(db: D1Database, r: ReconciliationRecord): Promise<void> {
  await db
    .prepare(
      `INSERT OR REPLACE INTO reconciliations (delivery_id, attempt, reaction, check_name, verdict, at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
    )
    .bind(r.deliveryId, r.attempt, r.reaction, r.check, r.verdict, r.at)
    .run();
}

/** Verdict counts per reaction and check: `{reaction: {check: {verdict: n}}}`. */
export type ReconciliationCounts = Record<string, Record<string, Record<string, number>>>;

export async function reconciliationCounts(db: D1Database): Promise<ReconciliationCounts> {
  const { results } = await db
    .prepare(
      `SELECT reaction, check_name, verdict, count(*) AS n FROM reconciliations
       GROUP BY reaction, check_name, verdict`,
    )
    .all<{ reaction: string; check_name: string; verdict: string; n: number }>();
  const counts: ReconciliationCounts = {};
  for (const row of results) {
    const checks = counts[row.reaction] ?? {};
    checks[row.check_name] = { ...checks[row.check_name], [row.verdict]: row.n };
    counts[row.reaction] = checks;
  }
  return counts;
}
