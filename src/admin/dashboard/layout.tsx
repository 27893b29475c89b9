import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { Flash } from "./flash";
import { CSS } from "./styles";

export type Section = "events" | "dead-letters" | "health";

const SECTIONS: readonly [Section, string, string][] = [
  ["events", "Events", "/admin"],
  ["dead-letters", "Dead letters", "/admin/dead-letters"],
  ["health", "Health", "/admin/health"],
];

/** A page's meta refresh: every `seconds`, or off (null); `toggle` is the link that turns it on or off. */
export interface Refresh {
  seconds: number | null;
  toggle: string;
}

export interface LayoutProps {
  title: string;
  /** CSP nonce of the inline stylesheet (secureHeaders). */
  nonce: string | undefined;
  /** Signed-in pages show the navigation and the logout button. */
  signedIn: boolean;
  active?: Section;
  flash?: Flash | null;
  refresh?: Refresh;
  children?: Child;
}

export function Layout({ title, nonce, signedIn, active, flash, refresh, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        {refresh?.seconds && <meta http-equiv="refresh" content={String(refresh.seconds)} />}
        <title>{`${title} · hookbridge`}</title>
        {/* A constant of this module, never data: the one place raw() is safe. */}
        <style nonce={nonce}>{raw(CSS)}</style>
      </head>
      <body>
        <header class="top">
          <div class="bar">
            <span class="brand">hookbridge</span>
            {signedIn && (
              <>
                <nav>
                  {SECTIONS.map(([section, label, href]) => (
                    <a href={href} class={section === active ? "active" : undefined}>
                      {label}
                    </a>
                  ))}
                </nav>
                {refresh && (
                  <a class="refresh" href={refresh.toggle}>
                    {refresh.seconds
                      ? `Refreshes every ${refresh.seconds} s · stop`
                      : "Refresh is off · turn on"}
                  </a>
                )}
                <form class="inline" method="post" action="/admin/logout">
                  <button type="submit">Log out</button>
                </form>
              </>
            )}
          </div>
        </header>
        <main>
          {flash && <FlashMessage flash={flash} />}
          {children}
        </main>
      </body>
    </html>
  );
}

function FlashMessage({ flash }: { flash: Flash }) {
  return (
    <div class={`flash ${flash.tone}`} role={flash.tone === "error" ? "alert" : "status"}>
      {flash.text}
      {flash.details && flash.details.length > 0 && (
        <ul>
          {flash.details.map((line) => (
            <li>{line}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
