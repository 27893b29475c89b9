import { z } from "zod";
import type { DeliveryStatus } from "./deliveries";
import type { EventRow, EventStatus } from "./events";

export interface EventFilters {
  route?: string;
  type?: string;
  status?: EventStatus;
  /** Received at or after (epoch ms). */
  from?: number;
  /** Received before (epoch ms). */
  to?: number;
  /** The vendor's own id of the event (CloudEvents extension `vendoreventid`). */
  vendorEventId?: string;
  /** `data.order_id` of order events. */
  orderId?: string;
  subject?: string;
  /** Keyed hash of the e-mail the event is about (never the address: see migrations/0010). */
  emailHash?: string;
  /** One value matched against the event id, dedupe key, vendor event id, order id, subject (OR). */
  anyId?: string;
}

// The exact expressions of the indexes in migrations/0010.
const VENDOR_EVENT_ID = "json_extract(event_json, '$.vendoreventid')";
const ORDER_ID = "json_extract(event_json, '$.data.order_id')";

/** Position after the last event of a page: newest first, ties on received_at broken by id. */
export interface EventCursor {
  receivedAt: number;
  id: string;
}

/**
 * An event as listed: its row without the (possibly large) bodies, plus its deliveries counted by status and
 * the few data fields a list summarises (order number, amount, customer: see LISTED_DATA).
 */
export type EventListItem = Omit<EventRow, "event_json" | "raw_body" | "raw_headers" | "email_hash"> & {
  deliveries: Partial<Record<DeliveryStatus, number>>;
  /** Those fields of the canonical `data`, as stored (personal data unmasked: the caller masks). */
  data: Record<string, unknown>;
};

type ListedRow = Omit<EventListItem, "deliveries" | "data"> & {
  delivery_counts: string | null;
  listed_data: string | null;
};

/** The canonical fields a list shows, read from event_json without sending the whole event (line items...). */
const LISTED_DATA = `json_object(${[
  "order_id",
  "order_number",
  "total",
  "customer",
  "customer_id",
  "email",
  "code",
  "stamps",
  "reaction",
  "connection",
]
  .map((field) => `'${field}', json_extract(event_json, '$.data.${field}')`)
  .join(", ")})`;

/**
 * One page of events, newest first. Keyset pagination over (received_at, id) stays stable while new events
 * arrive (they sort before the cursor) and costs the same on every page. `next` is null on the last page.
 */
export async function listEvents(
  db: D1Database,
  filters: EventFilters,
  page: { limit: number; after?: EventCursor },
): Promise<{ events: EventListItem[]; next: EventCursor | null }> {
  // Only the filters given become conditions, so SQLite can pick the matching index.
  const where: string[] = [];
  const values: (string | number)[] = [];
  const condition = (sql: string, ...bound: (string | number)[]) => {
    where.push(sql);
    values.push(...bound);
  };
  if (filters.route !== undefined) condition("route = ?", filters.route);
  if (filters.type !== undefined) condition("type = ?", filters.type);
  if (filters.status !== undefined) condition("status = ?", filters.status);
  if (filters.from !== undefined) condition("received_at >= ?", filters.from);
  if (filters.to !== undefined) condition("received_at < ?", filters.to);
  if (filters.vendorEventId !== undefined) condition(`${VENDOR_EVENT_ID} = ?`, filters.vendorEventId);
  if (filters.orderId !== undefined) condition(`${ORDER_ID} = ?`, filters.orderId);
  if (filters.subject !== undefined) condition("subject = ?", filters.subject);
  if (filters.emailHash !== undefined) condition("search_email_hash = ?", filters.emailHash);
  if (filters.anyId !== undefined) {
    const v = filters.anyId;
    condition(
      `(id = ? OR dedupe_key = ? OR ${VENDOR_EVENT_ID} = ? OR ${ORDER_ID} = ? OR subject = ?)`,
      v,
      v,
      v,
      v,
      v,
    );
  }
  if (page.after) condition("(received_at, id) < (?, ?)", page.after.receivedAt, page.after.id);

  const { results } = await db
    .prepare(
      `SELECT id, route, vendor, dedupe_key, type, vendor_event_type, subject, status, status_reason,
         verification, received_at, queued_at, redacted_at,
         (SELECT json_group_object(status, n) FROM
           (SELECT status, COUNT(*) AS n FROM deliveries WHERE event_id = events.id GROUP BY status)
         ) AS delivery_counts,
         ${LISTED_DATA} AS listed_data
       FROM events
       ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY received_at DESC, id DESC
       LIMIT ?`,
    )
    // One more than asked tells whether another page exists.
    .bind(...values, page.limit + 1)
    .all<ListedRow>();
  const rows = results.slice(0, page.limit);
  const last = rows.at(-1);
  return {
    events: rows.map(({ delivery_counts, listed_data, ...row }) => ({
      ...row,
      deliveries: delivery_counts ? (JSON.parse(delivery_counts) as EventListItem["deliveries"]) : {},
      data: listedData(listed_data),
    })),
    next: results.length > page.limit && last ? { receivedAt: last.received_at, id: last.id } : null,
  };
}

/** The listed fields that are set; json_object gives JSON values (objects included) as such. */
function listedData(json: string | null): Record<string, unknown> {
  const parsed = json ? (JSON.parse(json) as Record<string, unknown>) : {};
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== null));
}

/** Cursors are opaque to callers: base64url of the position, so their format can change freely. */
export function encodeCursor(cursor: EventCursor): string {
  const bytes = new TextEncoder().encode(JSON.stringify([cursor.receivedAt, cursor.id]));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

const cursorTuple = z.tuple([z.int().nonnegative(), z.string().min(1)]);

/** The position a cursor names, or null when it is not one this bridge issued. */
export function decodeCursor(text: string): EventCursor | null {
  let value: unknown;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    value = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))));
  } catch {
    return null;
  }
  const parsed = cursorTuple.safeParse(value);
  return parsed.success ? { receivedAt: parsed.data[0], id: parsed.data[1] } : null;
}
