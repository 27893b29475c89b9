import {
  type ConnectionActivity,
  HOUR_MS,
  HOURS,
  type RouteActivity,
  windowStart,
} from "../../../store/hourly-activity";
import { LineChart } from "./chart";

const RECEIVED = "#2c5cc5";
const FAILED = "#b42318";
/** One colour per attempt outcome, as the badges colour them. */
const OUTCOME_COLORS = { success: "#1c7c43", transient: "#c28a00", permanent: "#b42318", unknown: "#6b7280" };

/** The x axis of every 24 h chart: each slot's hour, UTC as everywhere on the dashboard. */
export function hourLabels(now: number): string[] {
  const start = windowStart(now);
  return Array.from(
    { length: HOURS },
    (_, i) => `${new Date(start + i * HOUR_MS).toISOString().slice(11, 13)}:00`,
  );
}

/** Events received and failed per route, one chart per route that received any in the last 24 h. */
export function RouteCharts({ activity, now }: { activity: RouteActivity; now: number }) {
  const routes = Object.keys(activity).sort();
  if (routes.length === 0) return <p class="muted">No events in the last 24 h.</p>;
  const labels = hourLabels(now);
  return (
    <div class="charts" id="route-charts">
      {routes.map((route) => (
        <LineChart
          title={`${route}: events per hour, last 24 h (UTC)`}
          labels={labels}
          whole
          series={[
            { name: "received", color: RECEIVED, values: activity[route]?.received ?? [] },
            { name: "failed", color: FAILED, values: activity[route]?.failed ?? [] },
          ]}
        />
      ))}
    </div>
  );
}

/** A connection's attempts by outcome, and its p50 and p95 call time, per hour of the last 24 h. */
export function ConnectionCharts({
  name,
  activity,
  now,
}: {
  name: string;
  activity: ConnectionActivity;
  now: number;
}) {
  const mine = activity[name];
  if (!mine) return <p class="muted">No attempts in the last 24 h.</p>;
  const labels = hourLabels(now);
  return (
    <div class="charts" id={`connection-charts-${name}`}>
      <LineChart
        title={`${name}: attempts per hour by outcome`}
        labels={labels}
        whole
        series={Object.entries(mine.outcomes).map(([outcome, values]) => ({
          name: outcome,
          color: OUTCOME_COLORS[outcome as keyof typeof OUTCOME_COLORS],
          values,
        }))}
      />
      <LineChart
        title={`${name}: call time per hour`}
        labels={labels}
        unit=" ms"
        series={[
          { name: "p50", color: RECEIVED, values: mine.p50 },
          { name: "p95", color: FAILED, values: mine.p95 },
        ]}
      />
    </div>
  );
}
