/**
 * Retention: the oldest raw payloads still stored are removed in bounded batches. Each query walks a partial
 * index of the rows still holding bodies (migrations/0004_retention.sql), so cleaned rows cost nothing later.
 */

/** Drops the raw body and headers of up to `limit` events received before `before`; returns how many. */
export async function removeRawPayloads(db: D1Database, before: number, limit: number): Promise<number> {
  const result = await db
    .prepare(
      `UPDATE events SET raw_body = NULL, raw_headers = '{}'
       WHERE id IN (SELECT id FROM events WHERE raw_body IS NOT NULL AND received_at < ?1
                    ORDER BY received_at LIMIT ?2)`,
    )
    .bind(before, limit)
    .run();
  return result.meta.changes;
}

/**
 * Drops the request body excerpt and the response excerpt of up to `limit` attempts started before
 * `before`; method, path, status, outcome and timings stay. Returns how many.
 */
export async function removeAttemptBodies(
  db: D1Database,
  before: number,
  limit: number,
  now: number,
): Promise<number> {
  const result = await db
    .prepare(
      `UPDATE attempts SET request_summary = json_remove(request_summary, '$.body'), response_excerpt = NULL,
         bodies_removed_at = ?3
       WHERE id IN (SELECT id FROM attempts WHERE bodies_removed_at IS NULL AND started_at < ?1
                    ORDER BY started_at LIMIT ?2)`,
    )
    .bind(before, limit, now)
    .run();
  return result.meta.changes;
}
