import { z } from "zod";
import { log } from "../../../lib/log";
import { checkAdminToken } from "../../auth";
import type { DashboardContext } from "../dashboard-env";
import { readForm, returnTo } from "../forms";
import { renderPage } from "../render";
import { endSession, startSession } from "../session";

const loginForm = z.object({ token: z.string().max(1024).default(""), next: returnTo });

function LoginForm({ next, error }: { next: string; error?: string }) {
  return (
    <div class="login card">
      <h1>Operator login</h1>
      {error && (
        <div class="flash error" role="alert">
          {error}
        </div>
      )}
      <form method="post" action="/admin/login">
        <input type="hidden" name="next" value={next} />
        <label>
          Admin token
          <input type="password" name="token" autocomplete="current-password" required autofocus />
        </label>
        <button type="submit" class="primary">
          Log in
        </button>
      </form>
      <p class="muted">The token is the bridge's ADMIN_TOKEN secret. The session lasts 12 hours.</p>
    </div>
  );
}

export function loginPage(c: DashboardContext): Promise<Response> {
  const next = returnTo.parse(c.req.query("next"));
  return renderPage(c, { title: "Log in", signedIn: false }, <LoginForm next={next} />);
}

/**
 * Checks the token in constant time, throttled per client (429 after too many failures); the browser gets a
 * signed session cookie, never the token.
 */
export async function login(c: DashboardContext): Promise<Response> {
  const form = await readForm(c, loginForm);
  if (!(await checkAdminToken(c.env, c.req.raw.headers, form.token, c.var.adminToken))) {
    log("info", "admin.login_failed", { path: c.req.path });
    return renderPage(
      c,
      { title: "Log in", signedIn: false, status: 401 },
      <LoginForm next={form.next} error="That is not the admin token." />,
    );
  }
  await startSession(c, c.var.adminToken, Date.now());
  return c.redirect(form.next, 303);
}

export function logout(c: DashboardContext): Response {
  endSession(c);
  return c.redirect("/admin/login", 303);
}
