import type { z } from "zod";

/** How one family of messages names the fields zod complains about. */
export interface IssueFormat {
  /** Path put before every issue's own path, e.g. `["routes"]` or `["data"]`. */
  at?: readonly PropertyKey[];
  /** The name used when the issue is about the whole value (an empty path). */
  whole?: string;
  /** Array indexes as `items[0]` (payload problems) rather than `items.0` (config keys). */
  brackets?: boolean;
  /** One line per unknown field of a strict object, naming it, instead of one line on the parent. */
  unknownKeys?: boolean;
}

/** Zod issues as "path.to.field: message", one string per problem: the one formatter of the bridge. */
export function describeIssues(error: z.ZodError, format: IssueFormat = {}): string[] {
  const at = format.at ?? [];
  return error.issues.flatMap((issue) =>
    format.unknownKeys && issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => `${pathText([...at, ...issue.path, key], format)}: unknown field`)
      : [`${pathText([...at, ...issue.path], format)}: ${issue.message}`],
  );
}

function pathText(path: readonly PropertyKey[], format: IssueFormat): string {
  if (path.length === 0) return format.whole ?? "";
  if (!format.brackets) return path.map(String).join(".");
  return path
    .map((key, index) =>
      typeof key === "number" ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`,
    )
    .join("");
}
