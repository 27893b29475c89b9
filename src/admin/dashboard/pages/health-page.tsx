import type { Child } from "hono/jsx";
import { loadConfig } from "../../../config";
import { listPauses, type PauseKind, type PauseRow } from "../../../store/pauses";
import { readStats } from "../../../store/stats";
import { deliveryStatus, eventStatus } from "../../api/schemas";
import { type LaneView, readLanes } from "../../operations/lanes";
import { pausableNames } from "../../operations/pauses";
import { type PreflightView, storedPreflight } from "../../operations/preflight";
import { ActionButton, Badge, Counts, Time } from "../components";
import type { DashboardContext } from "../dashboard-env";
import { renderPage } from "../render";

const HERE = "/admin/health";

/** /admin/health: counts per route and per Membrane connection, and the pause and resume forms. */
export async function healthPage(c: DashboardContext): Promise<Response> {
  const config = loadConfig(c.env);
  // Configured names appear before their first event; names only in the store (since removed) too.
  const names = (kind: PauseKind, stored: object) =>
    [...new Set([...pausableNames(config, kind), ...Object.keys(stored)])].sort();
  const [stats, pauses, checks] = await Promise.all([
    readStats(c.env.DB, Date.now()),
    listPauses(c.env.DB),
    // The last run as stored: the page never waits on Membrane (Check again runs it).
    storedPreflight(c.env, Date.now()),
  ]);
  const connections = names("connection", stats.connections);
  const lanes = await readLanes(c.env, connections);
  const pauseOf = (kind: PauseKind, name: string) => pauses.find((p) => p.kind === kind && p.name === name);
  return renderPage(
    c,
    { title: "Health", active: "health" },
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
        rows={names("route", stats.routes).map((name) => ({
          name,
          pause: pauseOf("route", name),
          cells: [
            <Counts counts={stats.routes[name]?.events ?? {}} order={eventStatus.options} />,
            <Counts counts={stats.routes[name]?.deliveries ?? {}} order={deliveryStatus.options} />,
          ],
        }))}
      />
      <h2>Membrane connections</h2>
      <HealthTable
        kind="connection"
        columns={["Breaker", "Deliveries"]}
        rows={connections.map((name) => ({
          name,
          pause: pauseOf("connection", name),
          cells: [
            <BreakerCell lane={lanes[name]} />,
            <Counts counts={stats.connections[name]?.deliveries ?? {}} order={deliveryStatus.options} />,
          ],
        }))}
      />
      <PreflightSection view={checks} />
    </>,
  );
}

/** The configuration checked against the Membrane workspace (npm run preflight), and unchecked inputs. */
function PreflightSection({ view }: { view: PreflightView | { uncheckedInputs: Record<string, number> } }) {
  const unchecked = Object.entries(view.uncheckedInputs);
  if (!("checkedAt" in view))
    return (
      <>
        <h2>Checked against Membrane</h2>
        <p class="muted">
          Not checked yet. <ActionButton action="/admin/preflight" label="Check now" returnTo={HERE} />
        </p>
        <UncheckedInputs unchecked={unchecked} />
      </>
    );
  return (
    <>
      <h2>Checked against Membrane</h2>
      <p class="muted">
        {view.ok ? "Every check passed" : "Some checks failed"}, <Time ms={view.checkedAt} />.{" "}
        <ActionButton action="/admin/preflight" label="Check again" returnTo={HERE} />
      </p>
      <table>
        <thead>
          <tr>
            <th>Result</th>
            <th>Subject</th>
            <th>Check</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {view.checks.map((check) => (
            <tr>
              <td>
                <Badge value={{ ok: "ok", fail: "failed", skip: "skipped", note: "note" }[check.result]} />
              </td>
              <td>{check.subject}</td>
              <td>{check.check}</td>
              <td>{check.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <UncheckedInputs unchecked={unchecked} />
    </>
  );
}

/** The connection's circuit breaker: closed, or open since when, why, and when it probes again. */
function BreakerCell({ lane }: { lane: LaneView | undefined }) {
  const breaker = lane?.breaker;
  if (!breaker || breaker.state === "closed") return <Badge value="closed" />;
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
            <tr>
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
                <ActionButton
                  action={row.pause ? "/admin/pauses/resume" : "/admin/pauses"}
                  label={row.pause ? "Resume" : "Pause"}
                  tone={row.pause ? "primary" : "danger"}
                  returnTo={HERE}
                  fields={{ kind, name: row.name }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Reactions whose action inputs went out unchecked in the last 24 h (no definition could be read). */
function UncheckedInputs({ unchecked }: { unchecked: [string, number][] }) {
  if (unchecked.length === 0) return null;
  return (
    <>
      <h3>Action inputs not checked (last 24 h)</h3>
      <p class="muted">
        No definition of the action could be read, so these inputs went out unchecked
        (DELIVERY.unchecked_action_inputs = "send").
      </p>
      <ul>
        {unchecked.map(([reaction, n]) => (
          <li>
            {reaction}: input not checked in {n} attempt{n === 1 ? "" : "s"}
          </li>
        ))}
      </ul>
    </>
  );
}
