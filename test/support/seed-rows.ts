import { env } from "cloudflare:workers";

/**
 * Rows written straight into D1 at chosen times, for reads whose answer depends on when things happened (the
 * dashboard's 24 h charts, the dead letters' first and last seen). The columns a read needs, nothing more.
 */
export async function seedEvent(
  id: string,
  route: string,
  receivedAt: number,
  status = "done",
  /** An event a page shows: its vendor and type (kooomo, order.paid), its CloudEvent's data, its raw body. */
  shown: { vendor?: string; type?: string; data?: unknown; rawBody?: string } = {},
): Promise<void> {
  const type = shown.type ?? "order.paid";
  const eventJson =
    shown.data === undefined ? "{}" : JSON.stringify({ specversion: "1.0", id, type, data: shown.data });
  await env.DB.prepare(
    `INSERT INTO events (id, route, vendor, dedupe_key, type, status, verification, received_at, event_json,
       raw_body, raw_headers)
     VALUES (?1, ?2, ?5, ?1, ?6, ?3, 'verified', ?4, ?7, ?8, '{}')`,
  )
    .bind(id, route, status, receivedAt, shown.vendor ?? "kooomo", type, eventJson, shown.rawBody ?? null)
    .run();
}

export interface SeededDelivery {
  eventId: string;
  reaction: string;
  connection: string;
  status?: string;
  at: number;
  errorCode?: string;
}

export async function seedDelivery(d: SeededDelivery): Promise<string> {
  const id = `${d.eventId}:${d.reaction}`;
  await env.DB.prepare(
    `INSERT INTO deliveries (id, event_id, reaction, recipe, connection_id, status, last_error_code,
       created_at, updated_at)
     VALUES (?1, ?2, ?3, 'ometria.push-order', ?4, ?5, ?6, ?7, ?7)`,
  )
    .bind(id, d.eventId, d.reaction, d.connection, d.status ?? "succeeded", d.errorCode ?? null, d.at)
    .run();
  return id;
}

export async function seedAttempt(
  deliveryId: string,
  number: number,
  startedAt: number,
  outcome: string | null,
  durationMs: number | null,
): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO attempts (delivery_id, number, started_at, outcome, request_summary, duration_ms)
     VALUES (?1, ?2, ?3, ?4, '{"method":"POST","path":"/act"}', ?5)`,
  )
    .bind(deliveryId, number, startedAt, outcome, durationMs)
    .run();
}

/** A D1 binding that adds up the rows SQLite read for each `all()` and batch (D1's `meta.rows_read`). */
export function rowsReadCounter(db: D1Database): { db: D1Database; rowsRead: () => number } {
  let rows = 0;
  const inner = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => wrap(stmt.bind(...values)),
      all: async () => {
        const result = await stmt.all();
        rows += result.meta.rows_read ?? 0;
        return result;
      },
    } as unknown as D1PreparedStatement;
    inner.set(wrapped, stmt);
    return wrapped;
  };
  const batch = async (statements: D1PreparedStatement[]) => {
    const results = await db.batch(statements.map((s) => inner.get(s) ?? s));
    for (const result of results) rows += result.meta.rows_read ?? 0;
    return results;
  };
  return {
    db: { prepare: (sql: string) => wrap(db.prepare(sql)), batch } as unknown as D1Database,
    rowsRead: () => rows,
  };
}
