import type { PreflightView } from "../../operations/preflight";
import { ActionButton, Badge, Time } from "../components";

const HERE = "/admin/health";

export /** The configuration checked against the Membrane workspace (npm run preflight), and unchecked inputs. */
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
