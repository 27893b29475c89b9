/** One delivery waiting in its connection's lane. */
export interface LaneItem {
  deliveryId: string;
  reaction: string;
  eventId: string;
  /** When it may run (epoch ms): now for a fresh delivery, its retry time after a transient failure. */
  dueAt: number;
  /** What the delivery writes upstream (e.g. `order:123`), when its recipe says. */
  entity?: string | null;
  /** Event order (the event's time, epoch ms): deliveries of one entity are applied in this order. */
  seq: number;
}

interface WorkRow extends Record<string, SqlStorageValue> {
  paused: number;
  delivery_id: string;
  reaction: string;
  event_id: string;
  due_at: number;
  entity: string | null;
  seq: number;
  running: number;
}

/**
 * The lane's own index of its waiting work, in the Durable Object's SQLite storage. D1's `deliveries` row stays
 * the truth about each delivery; this says only what to run when, so a lost row is recovered by the cron sweep.
 */
export class LaneWork {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS work (
      delivery_id TEXT PRIMARY KEY, reaction TEXT NOT NULL, event_id TEXT NOT NULL, due_at INTEGER NOT NULL,
      entity TEXT, seq INTEGER NOT NULL, running INTEGER NOT NULL DEFAULT 0, paused INTEGER NOT NULL DEFAULT 0)`);
    sql.exec("CREATE INDEX IF NOT EXISTS work_due ON work (running, due_at)");
    // eligible() walks this in event order and stops at its limit, instead of sorting the whole backlog.
    sql.exec("CREATE INDEX IF NOT EXISTS work_order ON work (running, seq, due_at)");
    sql.exec(
      "CREATE INDEX IF NOT EXISTS work_entity ON work (reaction, entity, seq) WHERE entity IS NOT NULL",
    );
    // eligible() looks for an entity's other work across reactions.
    sql.exec("CREATE INDEX IF NOT EXISTS work_entity_any ON work (entity, seq) WHERE entity IS NOT NULL");
    // The newest state of each entity that went out: an older one arriving later is superseded, not sent.
    sql.exec(`CREATE TABLE IF NOT EXISTS applied (
      reaction TEXT NOT NULL, entity TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL,
      PRIMARY KEY (reaction, entity))`);
    // After a restart nothing is running any more: what was is looked at again (its D1 lease decides).
    sql.exec("UPDATE work SET running = 0 WHERE running = 1");
  }

  /** Adds work; a delivery already waiting keeps its place, and the earlier of the two due times. */
  add(items: readonly LaneItem[]): void {
    for (const item of items) {
      this.sql.exec(
        `INSERT INTO work (delivery_id, reaction, event_id, due_at, entity, seq) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (delivery_id) DO UPDATE SET due_at = min(due_at, excluded.due_at) WHERE running = 0`,
        item.deliveryId,
        item.reaction,
        item.eventId,
        item.dueAt,
        item.entity ?? null,
        item.seq,
      );
    }
  }

  /**
   * Work that may start now, in event order: due, not running, and none of its entity's running, whichever
   * reaction runs it (two stamp reactions on one card write the same loyalty user). For the reactions in
   * `serializing` (every delivery applied, in order) only the entity's oldest delivery in the lane qualifies,
   * even while that one waits for its retry. One query however long the lane.
   */
  eligible(now: number, limit: number, serializing: readonly string[]): LaneItem[] {
    return this.sql
      .exec<WorkRow>(
        `SELECT w.* FROM work w INDEXED BY work_order
         WHERE w.running = 0 AND w.due_at <= ?
           AND (w.entity IS NULL OR NOT EXISTS (
             SELECT 1 FROM work o WHERE o.entity = w.entity AND o.delivery_id <> w.delivery_id
               AND (o.running = 1 OR (w.reaction IN (SELECT value FROM json_each(?))
                 AND (o.seq < w.seq OR (o.seq = w.seq AND o.delivery_id < w.delivery_id))))))
         ORDER BY w.seq, w.due_at LIMIT ?`,
        now,
        JSON.stringify(serializing),
        limit,
      )
      .toArray()
      .map(toItem);
  }

  /**
   * Waiting work of these reactions that a newer state of the same entity replaces: a newer one waits in the
   * lane, or already went out.
   */
  superseded(reactions: readonly string[], limit: number): LaneItem[] {
    if (reactions.length === 0) return [];
    return this.sql
      .exec<WorkRow>(
        `SELECT w.* FROM work w
         WHERE w.running = 0 AND w.entity IS NOT NULL AND w.reaction IN (SELECT value FROM json_each(?))
           AND (EXISTS (SELECT 1 FROM work n WHERE n.reaction = w.reaction AND n.entity = w.entity AND n.seq > w.seq)
             OR EXISTS (SELECT 1 FROM applied a WHERE a.reaction = w.reaction AND a.entity = w.entity AND a.seq > w.seq))
         LIMIT ?`,
        JSON.stringify(reactions),
        limit,
      )
      .toArray()
      .map(toItem);
  }

  /** When the next waiting (not running) work is due, if any; with `after`, the next due later than it. */
  nextDue(after = Number.MIN_SAFE_INTEGER): number | undefined {
    const row = this.sql
      .exec<{ next: number | null }>(
        "SELECT min(due_at) AS next FROM work WHERE running = 0 AND due_at > ?",
        after,
      )
      .one();
    return row.next ?? undefined;
  }

  markRunning(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec("UPDATE work SET running = 1 WHERE delivery_id = ?", id);
  }

  /** Puts running work back to wait for a resume, looking again at `dueAt` at the latest. */
  holdPaused(id: string, dueAt: number): void {
    this.sql.exec("UPDATE work SET running = 0, paused = 1, due_at = ? WHERE delivery_id = ?", dueAt, id);
  }

  /** A resume: work held by a pause is due now. */
  releasePaused(now: number): void {
    this.sql.exec("UPDATE work SET paused = 0, due_at = min(due_at, ?) WHERE paused = 1", now);
  }

  /**
   * Waiting work due later than `now` (retries in their backoff) becomes due within `spreadMs` from now, each at
   * a random point, so a recovered connection is not sent all of it in one burst. Answers how many moved.
   */
  pullForward(now: number, spreadMs: number): number {
    return this.sql.exec(
      "UPDATE work SET due_at = ? + abs(random() % ?) WHERE running = 0 AND paused = 0 AND due_at > ?",
      now,
      Math.max(1, Math.round(spreadMs)),
      now,
    ).rowsWritten;
  }

  /** How much waiting work is due later than `now`. */
  dueLater(now: number): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM work WHERE running = 0 AND paused = 0 AND due_at > ?",
        now,
      )
      .one().n;
  }

  /** Puts running work back to wait until `dueAt`. */
  reschedule(id: string, dueAt: number): void {
    this.sql.exec("UPDATE work SET running = 0, paused = 0, due_at = ? WHERE delivery_id = ?", dueAt, id);
  }

  remove(id: string): void {
    this.sql.exec("DELETE FROM work WHERE delivery_id = ?", id);
  }

  /** Records that the entity's state of `seq` went out. */
  markApplied(item: LaneItem): void {
    if (!item.entity) return;
    this.sql.exec(
      `INSERT INTO applied (reaction, entity, seq, event_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (reaction, entity) DO UPDATE SET seq = excluded.seq, event_id = excluded.event_id
       WHERE excluded.seq > applied.seq`,
      item.reaction,
      item.entity,
      item.seq,
      item.eventId,
    );
  }

  counts(): { waiting: number; running: number } {
    const row = this.sql
      .exec<{ waiting: number; running: number }>(
        "SELECT count(*) - coalesce(sum(running), 0) AS waiting, coalesce(sum(running), 0) AS running FROM work",
      )
      .one();
    return { waiting: row.waiting, running: row.running };
  }
}

function toItem(row: WorkRow): LaneItem {
  return {
    deliveryId: row.delivery_id,
    reaction: row.reaction,
    eventId: row.event_id,
    dueAt: row.due_at,
    entity: row.entity,
    seq: row.seq,
  };
}
