import type { AuthShape } from "./auth";
import type { FaultSpec, RequestFacts } from "./faults";
import { faultMatches } from "./faults";

/**
 * The emulator's state, in the Durable Object's SQLite database. Every vendor record belongs to one
 * connection, as it would in Membrane, where each connection is its own vendor account.
 * All methods are synchronous: the Durable Object runs one request's storage work at a time.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS loyalty_users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connection_id TEXT NOT NULL, email TEXT NOT NULL, first_name TEXT, last_name TEXT, phone TEXT
);
CREATE TABLE IF NOT EXISTS loyalty_links (
  connection_id TEXT NOT NULL, loyaltycard TEXT NOT NULL, user_id INTEGER NOT NULL,
  stamps INTEGER NOT NULL DEFAULT 0, linked_seq INTEGER NOT NULL,
  PRIMARY KEY (connection_id, loyaltycard, user_id)
);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS directory_users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connection_id TEXT NOT NULL, directory TEXT NOT NULL, email TEXT NOT NULL, fields TEXT NOT NULL,
  UNIQUE (connection_id, directory, email)
);
CREATE TABLE IF NOT EXISTS deletion_requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connection_id TEXT NOT NULL, email TEXT NOT NULL, comment TEXT, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pushed_records (
  connection_id TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL,
  PRIMARY KEY (connection_id, type, id)
);
CREATE TABLE IF NOT EXISTS forged_events (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS webhook_events (
  connection_id TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, campaign TEXT, session TEXT, date TEXT NOT NULL,
  PRIMARY KEY (connection_id, id)
);
CREATE TABLE IF NOT EXISTS faults (seq INTEGER PRIMARY KEY AUTOINCREMENT, spec TEXT NOT NULL, remaining INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS request_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
`;
const TABLES = [
  "loyalty_users",
  "loyalty_links",
  "settings",
  // No longer created (rate-limit hits are kept in memory); listed so a reset drops an older database's.
  "hits",
  "directory_users",
  "deletion_requests",
  "pushed_records",
  "forged_events",
  "webhook_events",
  "faults",
  "request_log",
];
/** Enough history for any test or demo; older entries are dropped. */
const REQUEST_LOG_LIMIT = 500;
/**
 * Older entries are deleted once per this many inserts, not on every insert; readers take the newest
 * REQUEST_LOG_LIMIT, so what they see is the same.
 */
const REQUEST_LOG_TRIM_EVERY = 100;

/** A Coupontools loyalty user, with the card it is linked to (null until linked) and its stamps there. */
export interface LoyaltyUser {
  id: string;
  loyaltycard: string | null;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  stamps: number;
}
export interface DirectoryUser {
  id: string;
  directory: string;
  email: string;
  [field: string]: unknown;
}
export interface DeletionRequest {
  id: string;
  email: string;
  comment: string | null;
  status: "pending";
  created_at: string;
}
/** A webhook the emulated Coupontools account sent, as its verification call describes it. */
export interface WebhookEvent {
  webhook: string;
  type: string;
  campaign: string | null;
  session: string | null;
  /** Coupontools' zoneless "YYYY-MM-DD HH:MM:SS". */
  date: string;
}
export type JsonObject = Record<string, unknown>;

/** One API call as the emulator saw it. `auth` describes the Authorization header without the token. */
export interface RequestLogEntry {
  at: string;
  method: string;
  /** Path and query string. */
  path: string;
  connectionId: string | null;
  vendorPath: string | null;
  headers: { contentType: string | null; membraneApiVersion: string | null };
  auth: AuthShape | null;
  body: unknown;
  status: number;
  fault: boolean;
  /** For a vendor call made inside an action run: the action's key (the entry's `path` is "(action)"). */
  action?: string;
}

type WithConnection<T> = T & { connectionId: string };

/** GET /_emulator/state. */
export interface EmulatorSnapshot {
  loyaltyUsers: WithConnection<LoyaltyUser>[];
  directoryUsers: WithConnection<DirectoryUser>[];
  deletionRequests: WithConnection<DeletionRequest>[];
  pushedRecords: WithConnection<JsonObject>[];
  forgedEvents: string[];
  webhookEvents: WithConnection<WebhookEvent>[];
  faults: (FaultSpec & { id: number; remaining: number })[];
  requests: RequestLogEntry[];
}

type Row = Record<string, SqlStorageValue>;

const hitKey = (connectionId: string, bucket: string) => JSON.stringify([connectionId, bucket]);

const text = (v: SqlStorageValue | undefined) => (v === null || v === undefined ? null : String(v));
/**
 * The integer row id a client's id names, when it is written as the emulator writes ids (String(id)):
 * the same match as `CAST(id AS TEXT) = ?`, but one the primary key can answer instead of a scan.
 */
const rowId = (id: string): number | undefined => (/^(0|[1-9]\d{0,14})$/.test(id) ? Number(id) : undefined);
const toLoyaltyUser = (r: Row): LoyaltyUser => ({
  id: String(r.id),
  loyaltycard: text(r.loyaltycard),
  email: String(r.email),
  first_name: text(r.first_name),
  last_name: text(r.last_name),
  phone: text(r.phone),
  stamps: Number(r.stamps ?? 0),
});
/** Users with their links: one row per user and card, or one row with no card for an unlinked user. */
const LOYALTY_ROWS = `SELECT u.*, l.loyaltycard, l.stamps FROM loyalty_users u
  LEFT JOIN loyalty_links l ON l.connection_id = u.connection_id AND l.user_id = u.id`;
const toDirectoryUser = (r: Row): DirectoryUser => ({
  ...(JSON.parse(String(r.fields)) as JsonObject),
  id: String(r.id),
  directory: String(r.directory),
  email: String(r.email),
});
const toWebhookEvent = (r: Row): WebhookEvent => ({
  webhook: String(r.id),
  type: String(r.type),
  campaign: r.campaign === null ? null : String(r.campaign),
  session: r.session === null ? null : String(r.session),
  date: String(r.date),
});
const toDeletionRequest = (r: Row): DeletionRequest => ({
  id: String(r.id),
  email: String(r.email),
  comment: r.comment === null ? null : String(r.comment),
  status: "pending",
  created_at: new Date(Number(r.created_at)).toISOString(),
});

/**
 * In-memory state, valid because this object is the only writer of its database (one Durable Object):
 * write-through copies of small tables read on every request, and the rate-limit windows.
 */
interface Memory {
  /** The settings table. */
  settings: Map<string, string>;
  /** False only when the faults table is known empty, so requests skip the query. */
  mayHaveFaults: boolean;
  /**
   * Rate-limit hits (epoch ms, oldest first) per connection and bucket. Kept in memory only: a window is a
   * second long and the runtime evicts an object only after it has been idle far longer, so a restart loses
   * at most the hits of a window in flight (the emulator then lets a few more calls through, never fewer).
   */
  hits: Map<string, number[]>;
  /** Request log inserts since the last trim. */
  logInserts: number;
  /** Request log entries (JSON) not written yet: see logRequest. */
  pendingLog: string[];
  /** Membrane API calls and the bytes answered to them, per connection, since the last reset. */
  traffic: Map<string, Traffic>;
}

/** GET /_emulator/traffic: what callers made of a connection (the bench reads cost per order from it). */
export interface Traffic {
  requests: number;
  answerBytes: number;
}

export class EmulatorStore {
  private memory!: Memory;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
    this.load();
  }

  private load(): void {
    const settings = new Map<string, string>();
    for (const row of this.sql.exec("SELECT name, value FROM settings")) {
      settings.set(String(row.name), String(row.value));
    }
    this.memory = {
      settings,
      mayHaveFaults: true,
      hits: new Map(),
      logInserts: 0,
      pendingLog: [],
      traffic: new Map(),
    };
  }

  /** Drops everything, ids included, so a reset emulator numbers records from 1 again. */
  reset(): void {
    for (const table of TABLES) this.sql.exec(`DROP TABLE IF EXISTS ${table}`);
    this.sql.exec(SCHEMA);
    this.load();
  }

  // Coupontools loyalty cards ---------------------------------------------------------------------

  /**
   * Users on the card whose e-mail, names, phone or id contain `search` (case-insensitive), or (`whole`) equal
   * it.
   */
  searchLoyaltyUsers(
    connectionId: string,
    loyaltycard: string,
    search: string,
    whole = false,
  ): LoyaltyUser[] {
    const escaped = search.toLowerCase().replace(/[%_\\]/g, (m) => `\\${m}`);
    const like = whole ? escaped : `%${escaped}%`;
    return this.cardUsers(
      `AND (lower(u.email) LIKE ?3 ESCAPE '\\' OR lower(coalesce(u.first_name, '')) LIKE ?3 ESCAPE '\\'
       OR lower(coalesce(u.last_name, '')) LIKE ?3 ESCAPE '\\' OR lower(coalesce(u.phone, '')) LIKE ?3 ESCAPE '\\'
       OR CAST(u.id AS TEXT) = ?4)`,
      connectionId,
      loyaltycard,
      like,
      search,
    );
  }

  /** The card's users by id; `page` (the emulated list action's paging, actions.ts): those after an id. */
  listLoyaltyUsers(
    connectionId: string,
    loyaltycard: string,
    page?: { after: number; limit: number },
  ): LoyaltyUser[] {
    if (!page) return this.cardUsers("", connectionId, loyaltycard);
    return this.cardUsers(
      "AND u.id > ?3 ORDER BY u.id LIMIT ?4",
      connectionId,
      loyaltycard,
      page.after,
      page.limit,
    );
  }

  /**
   * Puts `count` new users on the card at once (tests and the bench stand in for a long-lived card): e-mails
   * `<prefix><n><separator>x@<domain>`, numbered from the next id. Returns the first and last id.
   */
  seedLoyaltyUsers(
    connectionId: string,
    loyaltycard: string,
    seed: { count: number; localPrefix: string; domain: string },
  ): { first: string; last: string } {
    const before = Number(this.sql.exec("SELECT coalesce(max(id), 0) AS id FROM loyalty_users").one().id);
    this.sql.exec(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
       INSERT INTO loyalty_users (connection_id, email) SELECT ?2, ?3 || i || '@' || ?4 FROM n`,
      seed.count,
      connectionId,
      seed.localPrefix,
      seed.domain,
    );
    this.sql.exec(
      `INSERT INTO loyalty_links (connection_id, loyaltycard, user_id, linked_seq)
       SELECT ?1, ?2, id, id FROM loyalty_users WHERE connection_id = ?1 AND id > ?3`,
      connectionId,
      loyaltycard,
      before,
    );
    return { first: String(before + 1), last: String(before + seed.count) };
  }

  /** Whether the connection has a loyalty user with this e-mail (case-insensitive), on any card or none. */
  hasLoyaltyEmail(connectionId: string, email: string): boolean {
    return (
      this.sql
        .exec(
          "SELECT 1 FROM loyalty_users WHERE connection_id = ? AND lower(email) = lower(?) LIMIT 1",
          connectionId,
          email,
        )
        .toArray().length > 0
    );
  }

  /**
   * The card's users (?1 connection, ?2 card) that also pass `filter` (which may end in its own ORDER BY and
   * LIMIT), by id. A list answer holds the whole
   * card, so rows are read as arrays in the LoyaltyUser's field order (half the cost of a row object each),
   * then mapped as toLoyaltyUser does.
   */
  private cardUsers(filter: string, ...params: SqlStorageValue[]): LoyaltyUser[] {
    const rows = this.sql.exec(
      `SELECT u.id, l.loyaltycard, u.email, u.first_name, u.last_name, u.phone, l.stamps
       FROM loyalty_links l JOIN loyalty_users u ON u.id = l.user_id AND u.connection_id = l.connection_id
       WHERE l.connection_id = ?1 AND l.loyaltycard = ?2 ${filter.includes("ORDER BY") ? filter : `${filter} ORDER BY u.id`}`,
      ...params,
    );
    const users: LoyaltyUser[] = [];
    for (const [id, card, email, first, last, phone, stamps] of rows.raw()) {
      users.push({
        id: String(id),
        loyaltycard: text(card),
        email: String(email),
        first_name: text(first),
        last_name: text(last),
        phone: text(phone),
        stamps: Number(stamps ?? 0),
      });
    }
    return users;
  }

  createLoyaltyUser(
    connectionId: string,
    user: {
      email: string;
      first_name?: string | undefined;
      last_name?: string | undefined;
      phone?: string | undefined;
    },
  ): LoyaltyUser {
    const row = this.sql
      .exec(
        `INSERT INTO loyalty_users (connection_id, email, first_name, last_name, phone) VALUES (?, ?, ?, ?, ?)
         RETURNING *`,
        connectionId,
        user.email,
        user.first_name ?? null,
        user.last_name ?? null,
        user.phone ?? null,
      )
      .one();
    return toLoyaltyUser(row);
  }

  /** Puts the user on the card (once); false when the connection has no such user. */
  linkLoyaltyUser(connectionId: string, loyaltycard: string, userId: string): boolean {
    const user = this.sql
      .exec(
        "SELECT id FROM loyalty_users WHERE connection_id = ? AND id = ?",
        connectionId,
        rowId(userId) ?? null,
      )
      .toArray()[0];
    if (!user) return false;
    this.sql.exec(
      `INSERT INTO loyalty_links (connection_id, loyaltycard, user_id, linked_seq)
       VALUES (?, ?, ?, (SELECT count(*) FROM loyalty_links)) ON CONFLICT DO NOTHING`,
      connectionId,
      loyaltycard,
      user.id,
    );
    return true;
  }

  /** Undefined when no such user holds this card. */
  addStamps(
    connectionId: string,
    loyaltycard: string,
    userId: string,
    stamps: number,
  ): LoyaltyUser | undefined {
    const id = rowId(userId);
    if (id === undefined) return undefined;
    const changed = this.sql.exec(
      `UPDATE loyalty_links SET stamps = stamps + ?
       WHERE connection_id = ? AND loyaltycard = ? AND user_id = ?`,
      stamps,
      connectionId,
      loyaltycard,
      id,
    ).rowsWritten;
    if (changed === 0) return undefined;
    const row = this.sql
      .exec(
        `${LOYALTY_ROWS} WHERE u.connection_id = ? AND l.loyaltycard = ? AND u.id = ?`,
        connectionId,
        loyaltycard,
        id,
      )
      .toArray()[0];
    return row && toLoyaltyUser(row);
  }

  // Rate limits -----------------------------------------------------------------------------------

  /** Times (epoch ms, oldest first) of the requests counted in `bucket` since `sinceMs`. */
  hitTimes(connectionId: string, bucket: string, sinceMs: number): number[] {
    const times = this.memory.hits.get(hitKey(connectionId, bucket));
    if (!times) return [];
    // Hits at or before the window's start are never counted again (a bucket keeps its window length).
    const kept = times.findIndex((at) => at > sinceMs);
    times.splice(0, kept === -1 ? times.length : kept);
    return [...times];
  }

  addHit(connectionId: string, bucket: string, at: number): void {
    const key = hitKey(connectionId, bucket);
    const times = this.memory.hits.get(key) ?? [];
    // Kept sorted, as the table's ORDER BY at gave them.
    let i = times.length;
    while (i > 0 && (times[i - 1] ?? 0) > at) i--;
    times.splice(i, 0, at);
    this.memory.hits.set(key, times);
  }

  // Settings --------------------------------------------------------------------------------------

  setting(name: string): string | undefined {
    return this.memory.settings.get(name);
  }

  setSetting(name: string, value: string): void {
    this.sql.exec("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", name, value);
    this.memory.settings.set(name, value);
  }

  // Coupontools directories -----------------------------------------------------------------------

  /** Undefined when the e-mail is already registered in this directory. */
  createDirectoryUser(
    connectionId: string,
    directory: string,
    email: string,
    fields: JsonObject,
  ): DirectoryUser | undefined {
    const row = this.sql
      .exec(
        `INSERT INTO directory_users (connection_id, directory, email, fields) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING RETURNING *`,
        connectionId,
        directory,
        email,
        JSON.stringify(fields),
      )
      .toArray()[0];
    return row && toDirectoryUser(row);
  }

  // Coupontools webhook verification ---------------------------------------------------------------

  isForgedEvent(id: string): boolean {
    return this.sql.exec("SELECT 1 FROM forged_events WHERE id = ?", id).toArray().length > 0;
  }

  addForgedEvents(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec("INSERT OR IGNORE INTO forged_events (id) VALUES (?)", id);
  }

  /** Records webhooks as sent by the connection's Coupontools account (a later one with the same id wins). */
  addWebhookEvents(connectionId: string, events: readonly WebhookEvent[]): void {
    for (const e of events) {
      this.sql.exec(
        "INSERT OR REPLACE INTO webhook_events (connection_id, id, type, campaign, session, date) VALUES (?, ?, ?, ?, ?, ?)",
        connectionId,
        e.webhook,
        e.type,
        e.campaign,
        e.session,
        e.date,
      );
    }
  }

  /** The webhook this connection's account sent with exactly this id, if any. */
  webhookEvent(connectionId: string, id: string): WebhookEvent | undefined {
    const row = this.sql
      .exec("SELECT * FROM webhook_events WHERE connection_id = ? AND id = ?", connectionId, id)
      .toArray()[0];
    return row && toWebhookEvent(row);
  }

  // Ometria data deletion -------------------------------------------------------------------------

  /** Deletion requests accepted for the connection since `sinceMs`, oldest first (epoch ms). */
  deletionRequestTimes(connectionId: string, sinceMs: number): number[] {
    return this.sql
      .exec(
        "SELECT created_at FROM deletion_requests WHERE connection_id = ? AND created_at > ? ORDER BY created_at",
        connectionId,
        sinceMs,
      )
      .toArray()
      .map((r) => Number(r.created_at));
  }

  createDeletionRequest(
    connectionId: string,
    email: string,
    comment: string | null,
    nowMs: number,
  ): DeletionRequest {
    const row = this.sql
      .exec(
        "INSERT INTO deletion_requests (connection_id, email, comment, created_at) VALUES (?, ?, ?, ?) RETURNING *",
        connectionId,
        email,
        comment,
        nowMs,
      )
      .one();
    return toDeletionRequest(row);
  }

  deletionRequests(connectionId: string, id?: string): DeletionRequest[] {
    const rows =
      id === undefined
        ? this.sql.exec("SELECT * FROM deletion_requests WHERE connection_id = ? ORDER BY id", connectionId)
        : this.sql.exec(
            "SELECT * FROM deletion_requests WHERE connection_id = ? AND CAST(id AS TEXT) = ?",
            connectionId,
            id,
          );
    return rows.toArray().map(toDeletionRequest);
  }

  // Ometria push ----------------------------------------------------------------------------------

  /** Ometria merges a pushed record into the stored one with the same type and id. */
  mergeRecord(connectionId: string, type: string, id: string, record: JsonObject): void {
    const existing = this.sql
      .exec(
        "SELECT record FROM pushed_records WHERE connection_id = ? AND type = ? AND id = ?",
        connectionId,
        type,
        id,
      )
      .toArray()[0];
    const merged = { ...(existing ? (JSON.parse(String(existing.record)) as JsonObject) : {}), ...record };
    this.sql.exec(
      "INSERT OR REPLACE INTO pushed_records (connection_id, type, id, record) VALUES (?, ?, ?, ?)",
      connectionId,
      type,
      id,
      JSON.stringify(merged),
    );
  }

  // Faults and request log ------------------------------------------------------------------------

  addFault(spec: FaultSpec): number {
    this.memory.mayHaveFaults = true;
    const row = this.sql
      .exec(
        "INSERT INTO faults (spec, remaining) VALUES (?, ?) RETURNING seq",
        JSON.stringify(spec),
        spec.times,
      )
      .one();
    return Number(row.seq);
  }

  /** Consumes one use of the oldest queued fault that matches the request. */
  takeFault(facts: RequestFacts, options: { vendorPathOnly?: boolean } = {}): FaultSpec | undefined {
    if (!this.memory.mayHaveFaults) return undefined;
    // Read all rows first: an open cursor would lock the table against the update below.
    const rows = this.sql.exec("SELECT seq, spec FROM faults ORDER BY seq").toArray();
    if (rows.length === 0) this.memory.mayHaveFaults = false;
    for (const row of rows) {
      const spec = JSON.parse(String(row.spec)) as FaultSpec;
      if (!faultMatches(spec.match, facts, options)) continue;
      if (spec.rate !== undefined && Math.random() >= spec.rate) continue;
      this.sql.exec("UPDATE faults SET remaining = remaining - 1 WHERE seq = ?", row.seq);
      this.sql.exec("DELETE FROM faults WHERE seq = ? AND remaining <= 0", row.seq);
      return spec;
    }
    return undefined;
  }

  /**
   * Appends to the request log. `deferred`: held in memory until the next entry that is not deferred (or a
   * read), then written with it in one statement, in order. The vendor calls an action makes are deferred
   * to their request's own entry: each write statement has a fixed cost in the object's storage layer.
   */
  countTraffic(connectionId: string, answerBytes: number): void {
    const traffic = this.memory.traffic.get(connectionId) ?? { requests: 0, answerBytes: 0 };
    traffic.requests += 1;
    traffic.answerBytes += answerBytes;
    this.memory.traffic.set(connectionId, traffic);
  }

  traffic(): Record<string, Traffic> {
    return Object.fromEntries(this.memory.traffic);
  }

  logRequest(entry: RequestLogEntry, options: { deferred?: boolean } = {}): void {
    this.memory.pendingLog.push(JSON.stringify(entry));
    if (!options.deferred) this.flushRequestLog();
  }

  private flushRequestLog(): void {
    const entries = this.memory.pendingLog;
    if (entries.length === 0) return;
    this.memory.pendingLog = [];
    this.sql.exec(
      `INSERT INTO request_log (entry) VALUES ${entries.map(() => "(?)").join(", ")}`,
      ...entries,
    );
    this.memory.logInserts += entries.length;
    if (this.memory.logInserts < REQUEST_LOG_TRIM_EVERY) return;
    this.memory.logInserts = 0;
    this.sql.exec(
      "DELETE FROM request_log WHERE seq <= (SELECT max(seq) FROM request_log) - ?",
      REQUEST_LOG_LIMIT,
    );
  }

  /** Everything, grouped by connection where it applies; for GET /_emulator/state. */
  snapshot(): EmulatorSnapshot {
    this.flushRequestLog();
    const byConnection = <T>(table: string, map: (r: Row) => T) =>
      this.sql
        .exec(`SELECT * FROM ${table} ORDER BY connection_id, rowid`)
        .toArray()
        .map((r) => ({ connectionId: String(r.connection_id), ...map(r) }));
    return {
      loyaltyUsers: this.sql
        .exec(`${LOYALTY_ROWS} ORDER BY u.connection_id, u.id, l.linked_seq`)
        .toArray()
        .map((r) => ({ connectionId: String(r.connection_id), ...toLoyaltyUser(r) })),
      directoryUsers: byConnection("directory_users", toDirectoryUser),
      deletionRequests: byConnection("deletion_requests", toDeletionRequest),
      pushedRecords: byConnection("pushed_records", (r) => JSON.parse(String(r.record)) as JsonObject),
      forgedEvents: this.sql
        .exec("SELECT id FROM forged_events ORDER BY id")
        .toArray()
        .map((r) => String(r.id)),
      webhookEvents: byConnection("webhook_events", toWebhookEvent),
      faults: this.sql
        .exec("SELECT seq, spec, remaining FROM faults ORDER BY seq")
        .toArray()
        .map((r) => ({
          ...(JSON.parse(String(r.spec)) as FaultSpec),
          id: Number(r.seq),
          remaining: Number(r.remaining),
        })),
      // The newest REQUEST_LOG_LIMIT: the table may hold up to REQUEST_LOG_TRIM_EVERY more until its trim.
      requests: this.sql
        .exec(
          "SELECT entry FROM (SELECT seq, entry FROM request_log ORDER BY seq DESC LIMIT ?) ORDER BY seq",
          REQUEST_LOG_LIMIT,
        )
        .toArray()
        .map((r) => JSON.parse(String(r.entry)) as RequestLogEntry),
    };
  }
}
