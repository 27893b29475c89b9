import { z } from "zod";
import { loadConfig } from "../../../config";
import { type DeliveryDetail, getDeliveryDetails } from "../../../store/delivery-details";
import { isOutcomeUnknown, listDeadDeliveries } from "../../../store/delivery-resets";
import { formatDuration, plural, ReturnTo, Select, Time } from "../components";
import type { DashboardContext } from "../dashboard-env";
import { optionalText, readQuery } from "../forms";
import { renderPage } from "../render";
import { OUTCOME_UNKNOWN_NOTE, RetryForm } from "../retry-form";
import { eventPath } from "./events-page";

/** Dead deliveries listed (and retried by "retry all shown") at once; the longest dead come first. */
export const DEAD_LETTERS_SHOWN = 100;

/** `code` comes from the issues strip's links (a dead letter group): the last error code. */
const deadLetterFilters = z.object({ route: optionalText, reaction: optionalText, code: optionalText });
type Filters = z.output<typeof deadLetterFilters>;

/** /admin/dead-letters: deliveries that gave up, why, and the forms to try them again. */
export async function deadLettersPage(c: DashboardContext): Promise<Response> {
  const filters = readQuery(c, deadLetterFilters);
  // The same selection and order as the bulk retry, which leaves out deliveries whose outcome is unknown:
  // "retry all shown" with a limit of the others shown retries exactly those.
  const ids = await listDeadDeliveries(c.env.DB, filters, DEAD_LETTERS_SHOWN + 1);
  const shown = await getDeliveryDetails(c.env.DB, ids.slice(0, DEAD_LETTERS_SHOWN));
  const unknown = shown.filter(isOutcomeUnknown).length;
  const config = loadConfig(c.env);
  const here = new URL(c.req.url);
  const returnTo = here.pathname + here.search;
  return renderPage(
    c,
    { title: "Dead letters", active: "dead-letters", refresh: true },
    <>
      <h1>Dead letters</h1>
      <p class="muted">
        Deliveries that failed permanently or ran out of retries, longest dead first. A retry starts a fresh
        retry schedule. A delivery whose outcome is unknown may have been applied (its answer was lost): check
        the vendor before retrying it; "Retry all" leaves those out.
      </p>
      <form class="filters" method="get" action="/admin/dead-letters">
        <Select label="Route" name="route" options={Object.keys(config.routes)} selected={filters.route} />
        <Select
          label="Reaction"
          name="reaction"
          options={config.reactions.map((r) => r.name)}
          selected={filters.reaction}
        />
        <label>
          Error code
          <input type="text" name="code" value={filters.code ?? ""} placeholder="e.g. bad_request" />
        </label>
        <button type="submit">Filter</button>
        <a class="button" href="/admin/dead-letters">
          Clear
        </a>
      </form>
      {shown.length === 0 ? (
        <div class="table-wrap empty">No dead deliveries match.</div>
      ) : (
        <>
          <div class="card-head">
            <span>
              {ids.length > DEAD_LETTERS_SHOWN
                ? `Showing the ${shown.length} longest dead; more match.`
                : `${shown.length} dead ${shown.length === 1 ? "delivery" : "deliveries"}.`}
            </span>
            <span class="spacer" />
            {unknown > 0 && (
              <span class="muted">
                {plural(unknown, "delivery", "deliveries")} with an unknown outcome not included: retry each
                one after checking the vendor.
              </span>
            )}
            {shown.length > unknown && (
              <BulkRetry filters={filters} count={shown.length - unknown} returnTo={returnTo} />
            )}
          </div>
          <DeadTable rows={shown} returnTo={returnTo} now={Date.now()} />
        </>
      )}
    </>,
  );
}

function BulkRetry({ filters, count, returnTo }: { filters: Filters; count: number; returnTo: string }) {
  return (
    <form class="inline" method="post" action="/admin/dead-letters/retry">
      <ReturnTo path={returnTo} />
      <input type="hidden" name="route" value={filters.route ?? ""} />
      <input type="hidden" name="reaction" value={filters.reaction ?? ""} />
      <input type="hidden" name="code" value={filters.code ?? ""} />
      <input type="hidden" name="limit" value={String(count)} />
      <button type="submit" class="primary">
        Retry all {count} shown
      </button>
    </form>
  );
}

function DeadTable({ rows, returnTo, now }: { rows: DeliveryDetail[]; returnTo: string; now: number }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Dead since</th>
            <th>Event</th>
            <th>Reaction</th>
            <th>Attempts</th>
            <th>Reason</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr>
              <td>
                <Time ms={row.updated_at} />
                <div class="muted">dead for {formatDuration(Math.max(0, now - row.updated_at))}</div>
              </td>
              <td>
                <a href={eventPath(row.event_id)}>{row.event_type}</a>
                <div class="muted">
                  {row.route} · received <Time ms={row.event_received_at} />
                </div>
              </td>
              <td>
                {row.reaction}
                <div class="muted">via {row.connection_id}</div>
              </td>
              <td>{row.attempts}</td>
              <td>
                {isOutcomeUnknown(row) && (
                  <div>
                    <span class="badge bad">{OUTCOME_UNKNOWN_NOTE}</span>
                  </div>
                )}
                {row.last_error_code && <code>{row.last_error_code}</code>} {row.last_error ?? ""}
              </td>
              <td class="actions">
                <RetryForm delivery={row} returnTo={returnTo} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
