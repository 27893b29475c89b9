import { z } from "zod";
import { InvalidRequestError } from "../../../errors";
import {
  ACTIVITY_KINDS,
  type ActivityPosition,
  type ActivityRow,
  readActivity,
} from "../../../store/activity";
import { defineRoute } from "../define-route";
import { iso, parseRequest } from "../present";
import { attemptOutcome, deliveryStatus, eventStatus, isoTime, timeFilter } from "../schemas";

/**
 * How far behind the present the feed stays. An item's time is taken before its row is written, so a row can
 * land after a later one: reading only what is this old lets a slow write arrive before the cursor passes it.
 */
export const ACTIVITY_LAG_MS = 2_000;
const DEFAULT_LOOKBACK_MS = 15 * 60_000;

const itemStatus = z.union([eventStatus, deliveryStatus, attemptOutcome]);
const statusList = z
  .string()
  .transform((value) => value.split(",").map((s) => s.trim()))
  .pipe(z.array(itemStatus).min(1))
  .describe("Comma-separated statuses, matched against each item's own (e.g. transient,permanent,rejected)");

const position = z.tuple([z.int().nonnegative(), z.int().min(-1).max(2), z.union([z.string(), z.int()])]);

function encodeCursor(p: ActivityPosition): string {
  return btoa(JSON.stringify([p.at, p.kind, p.key])).replaceAll("=", "");
}

function decodeCursor(cursor: string): ActivityPosition | null {
  try {
    const parsed = position.safeParse(JSON.parse(atob(cursor)));
    return parsed.success ? { at: parsed.data[0], kind: parsed.data[1], key: parsed.data[2] } : null;
  } catch {
    return null;
  }
}

const activityItem = z.object({
  kind: z.enum(ACTIVITY_KINDS),
  at: isoTime.describe("Received, planned, or finished"),
  event_id: z.string(),
  route: z.string(),
  type: z.string().describe("The event's canonical type"),
  status: itemStatus.describe("The event's or delivery's status as it is now; an attempt's outcome"),
  reaction: z.string().nullable(),
  delivery_id: z.string().nullable(),
  connection_id: z.string().nullable(),
  attempt: z.int().positive().nullable(),
  duration_ms: z.int().nonnegative().nullable(),
  error_code: z.string().nullable(),
  request: z
    .string()
    .nullable()
    .describe("An attempt's last call: method and Membrane path (secrets masked)"),
  next_attempt_at: isoTime.nullable().describe("On a retrying delivery's latest attempt: when it runs again"),
});

function presentItem(row: ActivityRow): z.input<typeof activityItem> {
  const request = row.request_summary === null ? null : parseRequest(row.request_summary);
  return {
    kind: row.kind,
    at: iso(row.at),
    event_id: row.event_id,
    route: row.route,
    type: row.type,
    status: row.status,
    reaction: row.reaction,
    delivery_id: row.delivery_id,
    connection_id: row.connection_id,
    attempt: row.attempt,
    duration_ms: row.duration_ms,
    error_code: row.error_code,
    request: request && `${request.method} ${request.path}`,
    next_attempt_at: row.next_attempt_at === null ? null : iso(row.next_attempt_at),
  };
}

export const activityRoute = defineRoute({
  id: "listActivity",
  method: "get",
  path: "/activity",
  summary:
    "What happened, oldest first, from a cursor: events received, deliveries planned, attempts finished",
  description:
    "For following the bridge live (`npm run tail`): call again with `next_cursor` to get what happened since. " +
    `The feed stays ${ACTIVITY_LAG_MS / 1000} s behind the present so that no item is skipped. Without a ` +
    "cursor it starts at `from` (default: 15 minutes ago). No personal data: no subject, body or address.",
  errors: [400],
  query: z.strictObject({
    cursor: z.string().min(1).optional().describe("`next_cursor` of the previous call"),
    from: timeFilter.optional().describe("Without a cursor: start at this time (ISO 8601)"),
    route: z.string().min(1).optional(),
    reaction: z.string().min(1).optional().describe("Only this reaction's deliveries and attempts"),
    status: statusList.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  }),
  response: z.object({
    items: z.array(activityItem),
    next_cursor: z.string().describe("Pass it back as `cursor`; it stays put while nothing new happened"),
  }),
  handle: async ({ query }, c) => {
    const now = Date.now();
    let start: ActivityPosition | null = { at: query.from ?? now - DEFAULT_LOOKBACK_MS, kind: -1, key: "" };
    if (query.cursor !== undefined) start = decodeCursor(query.cursor);
    if (start === null)
      throw new InvalidRequestError("Invalid query string.", ["cursor: not a cursor from this API"]);
    const filters = {
      ...(query.route !== undefined && { route: query.route }),
      ...(query.reaction !== undefined && { reaction: query.reaction }),
      ...(query.status !== undefined && { statuses: query.status }),
    };
    const rows = await readActivity(c.env.DB, start, now - ACTIVITY_LAG_MS, filters, query.limit);
    const last = rows.at(-1);
    const next = last ? { at: last.at, kind: ACTIVITY_KINDS.indexOf(last.kind), key: last.key } : start;
    return { items: rows.map(presentItem), next_cursor: encodeCursor(next) };
  },
});
