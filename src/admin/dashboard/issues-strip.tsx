import type { Issues } from "../operations/issues";
import { Badge, formatDuration, plural, Time } from "./components";

/** The dead letters page filtered to one group (a group without a code: by its reaction only). */
const deadLettersOf = (reaction: string, code: string | null) =>
  `/admin/dead-letters?${new URLSearchParams({ reaction, ...(code !== null && { code }) })}`;
export const connectionAnchor = (name: string) => `/admin/health#connection-${encodeURIComponent(name)}`;

/**
 * What needs an operator, on top of every page: open breakers, pauses, dead letters by reaction and code. Each
 * line links to where it is handled. Nothing to show: one quiet line, so its absence is a statement too.
 */
export function IssuesStrip({ issues, now }: { issues: Issues; now: number }) {
  const { breakers, pauses, deadLetters } = issues;
  if (breakers.length === 0 && pauses.length === 0 && deadLetters.groups.length === 0) {
    return (
      <section class="issues calm" aria-label="Issues">
        No open breaker, no pause, no dead letter.
      </section>
    );
  }
  return (
    <section class="issues" aria-label="Issues">
      <ul>
        {breakers.map(({ connection, breaker }) => (
          <li class="issue breaker">
            <Badge value={breaker.state === "open" ? "breaker_open" : "probing"} />{" "}
            <a href={connectionAnchor(connection)}>{connection}</a>
            {breaker.opened_at !== undefined && <> for {formatDuration(now - breaker.opened_at)}</>}
            {breaker.probe_at !== undefined && (
              <span class="muted">
                , probes at <Time ms={breaker.probe_at} />
              </span>
            )}
            {breaker.reason && <span class="muted"> · {breaker.reason}</span>}
          </li>
        ))}
        {pauses.map((pause) => (
          <li class="issue pause">
            <Badge value="paused" /> {pause.kind}{" "}
            <a href={pause.kind === "connection" ? connectionAnchor(pause.name) : "/admin/health"}>
              {pause.name}
            </a>{" "}
            <span class="muted">for {formatDuration(now - pause.paused_at)}</span>
          </li>
        ))}
        {deadLetters.groups.map((group) => (
          <li class="issue dead">
            <Badge value="dead" />{" "}
            <a href={deadLettersOf(group.reaction, group.code)}>
              {plural(group.count, "dead letter", "dead letters")} of {group.reaction}
            </a>{" "}
            <code>{group.code ?? "no code"}</code>{" "}
            <span class="muted">
              {group.last_day} in the last 24 h · first <Time ms={group.first_seen} />, last{" "}
              <Time ms={group.last_seen} />
            </span>
          </li>
        ))}
      </ul>
      {deadLetters.capped && <p class="muted">Dead letters grouped over the newest ones only; more exist.</p>}
    </section>
  );
}
