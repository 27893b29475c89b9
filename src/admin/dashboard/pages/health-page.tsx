import type { Child } from "hono/jsx";
import { loadConfig } from "../../../config";
import { type ConnectionActivity, connectionActivity } from "../../../store/hourly-activity";
import type { PauseKind, PauseRow } from "../../../store/pauses";
import { readStats } from "../../../store/stats";
import { deliveryStatus, eventStatus } from "../../api/schemas";
import { readIssues } from "../../operations/issues";
import type { LaneView } from "../../operations/lanes";
import { pausableNames } from "../../operations/pauses";
import { storedPreflight } from "../../operations/preflight";
import { ConnectionCharts } from "../charts/activity-charts";
import { ActionButton, Badge, Counts, Time } from "../components";
import type { DashboardContext } from "../dashboard-env";
import { PreflightSection } from "../health/preflight-section";
import { renderPage } from "../render";

const HERE = "/admin/health";

/** /admin/health: per route and per Membrane connection, counts, failures, queue depth, charts and pauses. */
export async function healthPage(c: DashboardContext): Promise<Response> {
  const config = loadConfig(c.env);
  const now = Date.now();
  const [stats, checks, activity] = await Promise.all([
    readStats(c.env.DB, now),
    // The last run as stored: the page never waits on Membrane (Check again runs it).
    storedPreflight(c.env, now),
    connectionActivity(c.env.DB, now),
  ]);
  // Configured names appear before their first event; names only in the store (since removed, or the bridge's
  // own route) too, but only configured ones can be paused.
  const pausable = (kind: PauseKind) => new Set(pausableNames(config, kind));
  const names = (kind: PauseKind, stored: object) =>
    [...new Set([...pausable(kind), ...Object.keys(stored)])].sort();
  const connections = names("connection", stats.connections);
  const issues = await readIssues(c.env, now, connections);
  const pauseOf = (kind: PauseKind, name: string) =>
    issues.pauses.find((p) => p.kind === kind && p.name === name);
  const row = (kind: PauseKind, name: string, cells: Child[]): HealthRow => ({
    name,
    pause: pauseOf(kind, name),
    pausable: pausable(kind).has(name),
    cells,
  });
  return renderPage(
    c,
    { title: "Health", active: "health", issues, refresh: true },
    <>
      <h1>Health</h1>
      <p class="muted">
        Pausing holds a route's or a connection's deliveries without spending attempts; webhooks are still
        accepted. Resuming queues what waited.
      </p>
      <h2>Routes</h2>
      <HealthTable
        kind="route"
        columns={["Events", "Deliveries"]}
        rows={names("route", stats.routes).map((name) =>
          row("route", name, [
            <Counts counts={stats.routes[name]?.events ?? {}} order={eventStatus.options} />,
            <Counts counts={stats.routes[name]?.deliveries ?? {}} order={deliveryStatus.options} />,
          ]),
        )}
      />
      <h2>Membrane connections</h2>
      <HealthTable
        kind="connection"
        columns={["Breaker", "Queue", "Failed attempts (24 h)", "Deliveries"]}
        rows={connections.map((name) =>
          row("connection", name, [
            <BreakerCell lane={issues.lanes[name]} />,
            <QueueCell lane={issues.lanes[name]} />,
            <FailuresCell activity={activity[name]} />,
            <Counts counts={stats.connections[name]?.deliveries ?? {}} order={deliveryStatus.options} />,
          ]),
        )}
      />
      {connections.map((name) => (
        <section id={`charts-${name}`}>
          <h3>{name}, last 24 h (UTC)</h3>
          <ConnectionCharts name={name} activity={activity} now={now} />
        </section>
      ))}
      <PreflightSection view={checks} />
    </>,
  );
}

/** Deliveries waiting in the lane and being attempted, and how many attempts it may have out now. */
function QueueCell({ lane }: { lane: LaneView | undefined }) {
  if (!lane) return <span class="muted">—</span>;
  return (
    <span class="queue">
      <span class="waiting">{lane.waiting}</span> waiting, {lane.running} running
      <div class="muted">up to {lane.concurrency} at once</div>
    </span>
  );
}

/** Attempts that failed in the last 24 h (transient, permanent or of unknown outcome), of all made. */
function FailuresCell({ activity }: { activity: ConnectionActivity[string] | undefined }) {
  if (!activity) return <span class="muted">no attempts</span>;
  const sum = (values: number[]) => values.reduce((s, n) => s + n, 0);
  const { success, transient, permanent, unknown } = activity.outcomes;
  const failed = sum(transient) + sum(permanent) + sum(unknown);
  return (
    <span class={failed > 0 ? "failures bad" : "failures"}>
      <span class="failed-count">{failed}</span> of {failed + sum(success)}
      {failed > 0 && (
        <div class="muted">
          {sum(transient)} transient, {sum(permanent)} permanent, {sum(unknown)} unknown
        </div>
      )}
    </span>
  );
}

/** The connection's circuit breaker: closed, or open since when, why, and when it probes again. */
function BreakerCell({ lane }: { lane: LaneView | undefined }) {
  const breaker = lane?.breaker;
  if (!breaker || breaker.state === "closed") {
    return (
      <>
        <Badge value="closed" />
        {breaker && breaker.failures > 0 && (
          <div class="muted">
            {breaker.failures} of {breaker.calls} calls failed in its window
          </div>
        )}
      </>
    );
  }
  return (
    <>
      <Badge value={breaker.state === "open" ? "breaker_open" : "probing"} />
      <div class="muted">
        since <Time ms={breaker.opened_at ?? 0} />
        {breaker.probe_at !== undefined && (
          <>
            , probes at <Time ms={breaker.probe_at} />
          </>
        )}
      </div>
      <div class="muted">{breaker.reason}</div>
    </>
  );
}

interface HealthRow {
  name: string;
  pause: PauseRow | undefined;
  /** Configured, so it can be paused (the bridge's own route and removed names cannot). */
  pausable: boolean;
  cells: Child[];
}

function HealthTable({ kind, columns, rows }: { kind: PauseKind; columns: string[]; rows: HealthRow[] }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>{kind === "route" ? "Route" : "Connection"}</th>
            <th>State</th>
            {columns.map((column) => (
              <th>{column}</th>
            ))}
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr id={`${kind}-${row.name}`}>
              <td class="mono">{row.name}</td>
              <td>
                {row.pause ? (
                  <>
                    <Badge value="paused" />
                    <div class="muted">
                      since <Time ms={row.pause.paused_at} />
                    </div>
                  </>
                ) : (
                  <Badge value="active" />
                )}
              </td>
              {row.cells.map((cell) => (
                <td>{cell}</td>
              ))}
              <td class="actions">
                <PauseControl kind={kind} row={row} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Resume stands out (work is held); Pause is a quiet button, and absent where nothing can be paused. */
function PauseControl({ kind, row }: { kind: PauseKind; row: HealthRow }) {
  if (row.pause) {
    return (
      <ActionButton
        action="/admin/pauses/resume"
        label="Resume"
        tone="primary"
        returnTo={HERE}
        fields={{ kind, name: row.name }}
      />
    );
  }
  if (!row.pausable)
    return <span class="muted">{kind === "route" ? "the bridge's own" : "not configured"}</span>;
  return (
    <ActionButton
      action="/admin/pauses"
      label="Pause"
      tone="quiet"
      returnTo={HERE}
      fields={{ kind, name: row.name }}
    />
  );
}
