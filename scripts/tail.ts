/**
 * npm run tail -- [options]: follows a bridge as it works, one line per event received, delivery planned and
 * attempt finished, read from the admin API's activity feed (GET /admin/api/activity), so it follows a
 * deployed bridge as well as `npm start`. USAGE below says the rest.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { activityLine, activityPage } from "./lib/activity-line.ts";
import { BRIDGE_PORT, readDevVars } from "./lib/local-stack.ts";

const USAGE = `usage: npm run tail -- [options]

Prints what a running bridge does, as it happens: events received, deliveries planned, attempts finished
(status, error code, duration, the call made, the next try). Lines appear about 2 s after the fact (the feed
waits for slow writes so it never skips one). No personal data is shown.

options:
  --url URL          the bridge (default http://127.0.0.1:${BRIDGE_PORT})
  --token TOKEN      the admin token (default: $HOOKBRIDGE_ADMIN_TOKEN, or for a local bridge ADMIN_TOKEN of
                     .dev.vars, else of .dev.vars.example)
  --route NAME       only this route's events
  --reaction NAME    only this reaction's deliveries and attempts
  --status LIST      only items in these statuses, comma-separated: an event's (accepted, done, failed,
                     rejected...), a delivery's (pending, retrying, dead...) or an attempt's outcome (success,
                     transient, permanent, unknown)
  --since TIME       start this far back (30s, 10m, 2h) or at an ISO 8601 time (default: now)
  --json             one JSON object per line instead of text
  --once             print what happened up to now and exit
  -h, --help         this text`;

function fail(message: string, code = 2): never {
  console.error(`tail: ${message}`);
  process.exit(code);
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        url: { type: "string", default: `http://127.0.0.1:${BRIDGE_PORT}` },
        token: { type: "string" },
        route: { type: "string" },
        reaction: { type: "string" },
        status: { type: "string" },
        since: { type: "string" },
        json: { type: "boolean", default: false },
        once: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
}

/** `30s`, `10m`, `2h` back from now, or an ISO 8601 time. */
function sinceTime(since: string | undefined): string {
  if (since === undefined) return new Date().toISOString();
  const ago = /^(\d+)(s|m|h)$/.exec(since);
  if (ago) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000 }[ago[2] as "s" | "m" | "h"];
    return new Date(Date.now() - Number(ago[1]) * unit).toISOString();
  }
  if (Number.isNaN(Date.parse(since))) fail(`--since ${since}: expected 30s, 10m, 2h or an ISO 8601 time`);
  return new Date(since).toISOString();
}

/** The token and where it came from (said when it is refused). */
function adminToken(url: URL, given: string | undefined): { token: string; source: string } {
  if (given) return { token: given, source: "--token" };
  const fromEnv = process.env.HOOKBRIDGE_ADMIN_TOKEN;
  if (fromEnv) return { token: fromEnv, source: "$HOOKBRIDGE_ADMIN_TOKEN" };
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))
    fail(`${url.origin} is not local: give its admin token with --token or $HOOKBRIDGE_ADMIN_TOKEN`);
  const token = readDevVars().ADMIN_TOKEN;
  if (!token) fail("no ADMIN_TOKEN in .dev.vars or .dev.vars.example: give one with --token");
  return { token, source: "ADMIN_TOKEN of .dev.vars (or .dev.vars.example)" };
}

const { values } = parseCommandLine();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
let base: URL;
try {
  base = new URL("admin/api/activity", values.url.endsWith("/") ? values.url : `${values.url}/`);
} catch {
  fail(`--url ${values.url}: not a URL`);
}
const { token, source } = adminToken(base, values.token);
const LIMIT = 500;
const POLL_MS = 1000;
const query = new URLSearchParams({ limit: String(LIMIT) });
for (const name of ["route", "reaction", "status"] as const) {
  const value = values[name];
  if (value !== undefined) query.set(name, value);
}
let cursor: string | undefined;
const from = sinceTime(values.since);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const errorBody = z.object({
  error: z.object({ message: z.string(), issues: z.array(z.string()).optional() }),
});

/** The admin API's `{"error": ...}` as one line, or the start of whatever else came back. */
function errorMessage(text: string): string {
  try {
    const { error } = errorBody.parse(JSON.parse(text));
    return [error.message, ...(error.issues ?? [])].join(" ");
  } catch {
    return text.slice(0, 300);
  }
}

/** One page from the cursor; undefined when the bridge did not answer (said once until it answers again). */
let unreachable = false;
async function readPage() {
  const url = new URL(base);
  url.search = query.toString();
  if (cursor === undefined) url.searchParams.set("from", from);
  else url.searchParams.set("cursor", cursor);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    if (values.once)
      fail(`no answer from ${base.origin} (is the bridge running? npm start): ${String(error)}`, 1);
    if (!unreachable)
      console.error(`tail: no answer from ${base.origin} (is the bridge running? npm start); retrying`);
    unreachable = true;
    return undefined;
  }
  if (unreachable) console.error(`tail: ${base.origin} answers again`);
  unreachable = false;
  const text = await res.text();
  if (res.status === 401) fail(`the admin token was refused by ${base.origin} (it came from ${source})`, 1);
  if (res.status === 429) {
    await sleep(Number(res.headers.get("retry-after") ?? 1) * 1000);
    return undefined;
  }
  if (!res.ok) {
    const message = errorMessage(text);
    if (res.status === 400) fail(`the bridge refused the query: ${message}`);
    if (values.once) fail(`${res.status} from ${base.origin}: ${message}`, 1);
    console.error(`tail: ${res.status} from ${base.origin}: ${message}; retrying`);
    return undefined;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const page = activityPage.safeParse(body);
  if (!page.success)
    fail(`${base.origin} answered something that is not an activity page (an older bridge?)`, 1);
  return page.data;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
if (!values.once && !values.json)
  console.error(`tail: following ${base.origin} from ${from} (times in UTC; Ctrl-C to stop)`);
for (;;) {
  const page = await readPage();
  if (page) {
    for (const item of page.items) console.log(values.json ? JSON.stringify(item) : activityLine(item));
    cursor = page.next_cursor;
    if (page.items.length === LIMIT) continue;
    if (values.once) break;
  }
  await sleep(POLL_MS);
}
