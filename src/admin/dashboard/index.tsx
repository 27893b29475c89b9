import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { adminToken } from "../../config/admin";
import {
  BridgeError,
  ConfigError,
  InvalidRequestError,
  TooManyAttemptsError,
  UnauthorizedError,
} from "../../errors";
import { log } from "../../lib/log";
import {
  bulkRetryAction,
  pauseAction,
  preflightAction,
  replayAction,
  resumeAction,
  retryAction,
} from "./actions";
import type { DashboardContext, DashboardEnv } from "./dashboard-env";
import { dashboardEnabled, pageHeaders, sameOrigin, signedIn } from "./guards";
import { deadLettersPage } from "./pages/dead-letters-page";
import { eventPage } from "./pages/event-page";
import { eventsPage } from "./pages/events-page";
import { healthPage } from "./pages/health-page";
import { login, loginPage, logout } from "./pages/login-page";
import { renderPage } from "./render";
import { hasSession } from "./session";

/**
 * The operator dashboard, mounted at /admin next to the JSON API at /admin/api. Server-rendered HTML that
 * works without JavaScript. Middleware is attached per route, not with `use("*")`, which would also catch
 * /admin/api/* once mounted.
 */
export function createDashboard() {
  const dashboard = new Hono<DashboardEnv>();
  const open = [dashboardEnabled, pageHeaders] as const;
  const page = [...open, signedIn] as const;
  const form = [...open, sameOrigin, signedIn] as const;

  dashboard.get("/login", ...open, loginPage);
  dashboard.post("/login", ...open, sameOrigin, login);
  dashboard.post("/logout", ...open, sameOrigin, logout);

  dashboard.get("/", ...page, eventsPage);
  dashboard.get("/events/:id", ...page, eventPage);
  dashboard.get("/dead-letters", ...page, deadLettersPage);
  dashboard.get("/health", ...page, healthPage);

  dashboard.post("/events/:id/replay", ...form, replayAction);
  dashboard.post("/deliveries/:id/retry", ...form, retryAction);
  dashboard.post("/dead-letters/retry", ...form, bulkRetryAction);
  dashboard.post("/pauses", ...form, pauseAction);
  dashboard.post("/pauses/resume", ...form, resumeAction);
  dashboard.post("/preflight", ...form, preflightAction);

  dashboard.onError(async (error, c) => {
    // Switched off (or a token start-up would refuse): leave the answer to the app, as for any unknown path.
    if (error instanceof ConfigError || adminToken(c.env) === undefined) throw error;
    return errorPage(c, error);
  });
  return dashboard;
}

const CROSS_SITE = "This form was sent from another site and was refused. Use the dashboard's own pages.";

async function errorPage(c: DashboardContext, error: Error): Promise<Response> {
  let status: ContentfulStatusCode = 500;
  let message = "Something went wrong; the error was logged.";
  let issues: readonly string[] = [];
  if (error instanceof UnauthorizedError) {
    status = 401;
    message = "Your session has ended. Log in again, then repeat the action.";
  } else if (error instanceof BridgeError && error.status < 500) {
    status = error.status;
    message = error.message;
    if (error instanceof TooManyAttemptsError) c.header("Retry-After", String(error.retryAfterSeconds));
    if (error instanceof InvalidRequestError) issues = error.issues;
  } else if (error instanceof HTTPException && error.status === 403) {
    // hono's csrf middleware: the only HTTPException the dashboard's routes raise.
    status = 403;
    message = CROSS_SITE;
  } else {
    // Unexpected errors and configuration problems: the detail is for the log, never for the page.
    if (error instanceof BridgeError) status = error.status;
    log("error", "admin.dashboard_failed", { path: c.req.path, error: String(error) });
  }
  const authenticated = await hasSession(c, c.var.adminToken, Date.now());
  return renderPage(
    c,
    { title: `Error ${status}`, status, signedIn: authenticated, issues: false },
    <div class="card">
      <h1>{status === 404 ? "Not found" : `Error ${status}`}</h1>
      <p>{message}</p>
      {issues.length > 0 && (
        <ul>
          {issues.map((issue) => (
            <li>{issue}</li>
          ))}
        </ul>
      )}
      <p>{authenticated ? <a href="/admin">Back to the events</a> : <a href="/admin/login">Log in</a>}</p>
    </div>,
  );
}
