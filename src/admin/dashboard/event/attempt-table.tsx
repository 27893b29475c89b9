import type { AttemptRow } from "../../../store/attempts";
import { presentAttempt } from "../../api/present";
import { Badge, formatDuration, Time } from "../components";
import { callLabel } from "./call-label";

/**
 * Every attempt of a delivery: what it called (the action key or the proxy's vendor path), how it ended and
 * the answer. A failed attempt's answer is shown open: it is what the operator came to read.
 */
export function AttemptTable({ attempts }: { attempts: AttemptRow[] }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>Started</th>
            <th>Outcome</th>
            <th>Error code</th>
            <th>Response</th>
            <th>Duration</th>
            <th>Call</th>
            <th>Response excerpt</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((attempt) => (
            <AttemptRowView attempt={attempt} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AttemptRowView({ attempt }: { attempt: AttemptRow }) {
  const request = presentAttempt(attempt).request;
  const failed = attempt.outcome !== null && attempt.outcome !== "success";
  return (
    <tr class={failed ? "failed" : undefined}>
      <td>{attempt.number}</td>
      <td>
        <Time ms={attempt.started_at} />
      </td>
      <td>{attempt.outcome ? <Badge value={attempt.outcome} /> : <Badge value="in_flight" />}</td>
      <td class="mono">
        {attempt.error_code ?? "—"}
        {attempt.input_unchecked === 1 && <div class="muted">input not checked</div>}
      </td>
      <td>{attempt.response_status ?? "—"}</td>
      <td>{attempt.duration_ms === null ? "—" : formatDuration(attempt.duration_ms)}</td>
      <td>
        <span class="mono call">{callLabel(request)}</span>
        <div class="muted mono">
          {request.method} {request.path}
        </div>
        {request.body && (
          <details>
            <summary>body</summary>
            <pre>{request.body}</pre>
          </details>
        )}
      </td>
      <td>
        {attempt.response_excerpt ? (
          <details open={failed}>
            <summary>{failed ? "answer" : "show"}</summary>
            <pre>{attempt.response_excerpt}</pre>
          </details>
        ) : attempt.bodies_removed_at !== null ? (
          <span class="muted">removed by retention</span>
        ) : (
          "—"
        )}
      </td>
    </tr>
  );
}
