import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { DashboardContext } from "./dashboard-env";
import { takeFlash } from "./flash";
import { Layout, type Section } from "./layout";

export interface PageOptions {
  title: string;
  active?: Section;
  status?: ContentfulStatusCode;
  /** False for the login page and for errors shown before the session was checked. */
  signedIn?: boolean;
}

/** Answers a full HTML page, with the pending flash message of a signed-in operator. */
export async function renderPage(
  c: DashboardContext,
  options: PageOptions,
  content: Child,
): Promise<Response> {
  const signedIn = options.signedIn ?? true;
  const flash = signedIn ? await takeFlash(c, c.var.adminToken) : null;
  const page = (
    <Layout
      title={options.title}
      nonce={c.var.secureHeadersNonce}
      signedIn={signedIn}
      active={options.active}
      flash={flash}
    >
      {content}
    </Layout>
  );
  // Pages show operator data: never kept by the browser or a proxy.
  c.header("Cache-Control", "no-store");
  return c.html(`<!doctype html>${await page.toString()}`, options.status ?? 200);
}
