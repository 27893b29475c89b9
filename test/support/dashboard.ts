import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { createApp } from "../../src/app";

/** The dashboard's origin in tests; forms posted "from the dashboard" carry it as their Origin. */
export const ORIGIN = "https://bridge.test";

export interface DashboardRequest {
  method?: string;
  /** Sent as application/x-www-form-urlencoded, as a browser posts an HTML form. */
  form?: Record<string, string>;
  /** The Cookie header; none when omitted. */
  cookie?: string;
  /** The Origin header of a POST: this dashboard's unless told otherwise (null: none). */
  origin?: string | null;
  headers?: Record<string, string>;
  /** Another origin for the URL, e.g. http://localhost:8787. */
  base?: string;
  /** Other bindings (e.g. without ADMIN_TOKEN): the app is then called directly with them. */
  bindings?: Record<string, unknown>;
}

/** A browser-like request to the dashboard through the worker's own fetch; redirects are not followed. */
export async function dashboard(path: string, init: DashboardRequest = {}): Promise<Response> {
  const base = init.base ?? ORIGIN;
  const method = init.method ?? (init.form ? "POST" : "GET");
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  if (method !== "GET" && init.origin !== null) headers.set("origin", init.origin ?? base);
  let body: string | null = null;
  if (init.form) {
    headers.set("content-type", "application/x-www-form-urlencoded");
    body = new URLSearchParams(init.form).toString();
  }
  const request = new Request(`${base}${path}`, { method, headers, body, redirect: "manual" });
  return init.bindings ? createApp().fetch(request, init.bindings) : exports.default.fetch(request);
}

/** The `name=value` pairs a response sets, for the next request's Cookie header (cleared ones left out). */
export function cookiesFrom(res: Response): string {
  return res.headers
    .getSetCookie()
    .filter((line) => !/;\s*Max-Age=0/i.test(line))
    .map((line) => line.split(";")[0])
    .join("; ");
}

/** Logs in with the admin token and answers the session cookie, ready for a Cookie header. */
export async function signIn(token = env.ADMIN_TOKEN as string): Promise<string> {
  const res = await dashboard("/admin/login", { form: { token, next: "/admin" } });
  expect(res.status).toBe(303);
  const cookie = cookiesFrom(res);
  expect(cookie).toMatch(/^hookbridge_session=/);
  return cookie;
}

/** GETs a page with the session and answers its HTML, checking it is a 200 HTML page. */
export async function pageHtml(path: string, cookie: string): Promise<string> {
  const res = await dashboard(path, { cookie });
  const html = await res.text();
  expect(res.status, html).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  return html;
}

/** Hrefs and actions are HTML-escaped in the page; this gives them back as URLs. */
export function unescapeAttribute(value: string): string {
  return value.replaceAll("&amp;", "&").replaceAll("&quot;", '"').replaceAll("&#39;", "'");
}
