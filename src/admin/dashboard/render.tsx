import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type Issues, readIssues } from "../operations/issues";
import type { DashboardContext } from "./dashboard-env";
import { takeFlash } from "./flash";
import { IssuesStrip } from "./issues-strip";
import { Layout, type Refresh, type Section } from "./layout";

/**
 * How often a page that opts in reloads itself (a meta refresh: the CSP lets no script run). A minute: each
 * reload of Events reads about 2 rows per event of the last 24 h (test/bench/d1-statements.test.ts).
 */
export const REFRESH_SECONDS = 60;

export interface PageOptions {
  title: string;
  active?: Section;
  status?: ContentfulStatusCode;
  /** False for the login page and for errors shown before the session was checked. */
  signedIn?: boolean;
  /** The issues strip: read here unless the page read it already; false leaves it out (error pages). */
  issues?: Issues | false;
  /** Reload every REFRESH_SECONDS, unless the operator turned it off (`?refresh=off`). */
  refresh?: boolean;
}

/** Answers a full HTML page, with the pending flash message of a signed-in operator and the issues strip. */
export async function renderPage(
  c: DashboardContext,
  options: PageOptions,
  content: Child,
): Promise<Response> {
  const signedIn = options.signedIn ?? true;
  const now = Date.now();
  const [flash, issues] = await Promise.all([
    signedIn ? takeFlash(c, c.var.adminToken) : null,
    signedIn && options.issues !== false ? (options.issues ?? readIssues(c.env, now)) : undefined,
  ]);
  const page = (
    <Layout
      title={options.title}
      nonce={c.var.secureHeadersNonce}
      signedIn={signedIn}
      active={options.active}
      flash={flash}
      refresh={options.refresh ? refreshOf(c) : undefined}
    >
      {issues && <IssuesStrip issues={issues} now={now} />}
      {content}
    </Layout>
  );
  // Pages show operator data: never kept by the browser or a proxy.
  c.header("Cache-Control", "no-store");
  return c.html(`<!doctype html>${await page.toString()}`, options.status ?? 200);
}

/** The page's refresh state and the link that flips it (the same page, `refresh` set or removed). */
function refreshOf(c: DashboardContext): Refresh {
  const url = new URL(c.req.url);
  const on = url.searchParams.get("refresh") !== "off";
  if (on) url.searchParams.set("refresh", "off");
  else url.searchParams.delete("refresh");
  return { seconds: on ? REFRESH_SECONDS : null, toggle: url.pathname + url.search };
}
