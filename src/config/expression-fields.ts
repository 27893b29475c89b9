import type { EventType } from "../events/types";
import { compileExpression, type Expression, pathExists } from "../reactions/expression";
import { nearestFields } from "../reactions/expression-hints";

/** Parses an expression field; on failure records the problem and returns undefined. */
export function expressionAt(
  at: string,
  source: string,
  on: readonly EventType[],
  problems: string[],
): Expression | undefined {
  const expression = compileExpression(source);
  if ("error" in expression) {
    problems.push(`${at}: ${expression.error}`);
    return undefined;
  }
  checkPaths(at, expression.paths, on, problems);
  return expression;
}

/**
 * A path no event type in `on` can have is a typo. Only the leading plain steps at the expression's top
 * level are checked (not paths inside predicates, lambdas or `$raw`), and existence in one of the types.
 */
export function checkPaths(
  at: string,
  paths: readonly string[][],
  on: readonly EventType[],
  problems: string[],
) {
  for (const path of paths) {
    if (pathExists(path, on)) continue;
    const near = nearestFields(path, on);
    const hint = near.length > 0 ? ` (did you mean ${near.join(" or ")}?)` : "";
    problems.push(`${at}: ${on.join(", ")} has no field ${path.join(".")}${hint}`);
  }
}
