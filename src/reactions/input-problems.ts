import type { InputProblem } from "../membrane/input-schema";
import { refText } from "./action-call";
import type { ActionCall } from "./types";

/**
 * Why an action's input does not fit its schema, naming each field and the setting that fits it: for a
 * recipe's step, `options.actions.<step>` with a rename when one field is missing and one unknown at the same
 * level (the likeliest cause: the workspace names a field otherwise); for a declarative reaction, its mapping.
 */
export function describeInputProblems(
  reaction: string,
  call: Pick<ActionCall, "step" | "setting">,
  problems: readonly InputProblem[],
): string {
  const listed = problems
    .map((p) =>
      p.problem === "missing"
        ? `"${p.field}" is required and missing`
        : p.problem === "unknown"
          ? `"${p.field}" is not in its input schema (Membrane would drop it)`
          : `"${p.field || "input"}" ${p.detail}`,
    )
    .join("; ");
  const where = `[vars.REACTIONS.${reaction}] ${call.setting}`;
  return `action ${refText(call.step.ref)} does not take this input: ${listed}. Fit it in ${where}${renameHint(call, problems)}`;
}

function renameHint(call: Pick<ActionCall, "setting">, problems: readonly InputProblem[]): string {
  if (!call.setting.startsWith("options.actions.")) return "";
  const missing = problems.filter((p) => p.problem === "missing");
  const unknown = problems.filter((p) => p.problem === "unknown");
  const [from] = unknown;
  const [to] = missing;
  const parent = (field: string) => field.slice(0, Math.max(0, field.lastIndexOf(".")));
  // A rename fits top-level fields only.
  if (missing.length !== 1 || unknown.length !== 1 || !from || !to || parent(from.field) || parent(to.field))
    return " (rename = { from = \"to\" } or map = '<JSONata>')";
  return `, e.g. { rename = { ${from.field} = "${to.field}" } }`;
}
