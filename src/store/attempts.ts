import type { AttemptOutcome } from "./deliveries";

export interface AttemptRow {
  id: number;
  delivery_id: string;
  number: number;
  started_at: number;
  finished_at: number | null;
  outcome: AttemptOutcome | null;
  error_code: string | null;
  /** JSON of a RequestSummary (src/membrane/summary.ts). */
  request_summary: string;
  response_status: number | null;
  response_excerpt: string | null;
  duration_ms: number | null;
  /** Membrane's action run id when the attempt's last call was an action (migrations/0006). */
  action_run_id: string | null;
  /** 1 when an action's input went out unchecked (no definition could be read; migrations/0012). */
  input_unchecked: number | null;
  /** Set when retention or an erasure removed the request and response bodies (migrations/0004). */
  bodies_removed_at: number | null;
}

/** Every attempt made for the deliveries of one event, by delivery then in order. */
export async function listEventAttempts(db: D1Database, eventId: string): Promise<AttemptRow[]> {
  const { results } = await db
    .prepare(
      `SELECT attempts.* FROM attempts JOIN deliveries ON deliveries.id = attempts.delivery_id
       WHERE deliveries.event_id = ?1
       ORDER BY attempts.delivery_id, attempts.number`,
    )
    .bind(eventId)
    .all<AttemptRow>();
  return results;
}
