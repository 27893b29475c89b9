import { z } from "zod";
import { envelopeKeys } from "../events/cloudevent";
import { type EventType, eventDataSchemas } from "../events/types";

/**
 * What helps a person fix an expression: the source with a caret under JSONata's position, and for a field no
 * event type has, the nearest field names that exist there.
 */

/** The expression's line around `position` (JSONata counts from 1 past the token), a caret under it. */
export function caretAt(source: string, position: number | undefined): string {
  if (position === undefined) return "";
  const at = Math.max(0, Math.min(source.length, position - 1));
  const start = Math.max(0, at - 60);
  const excerpt = source.slice(start, at + 20).replace(/\s/g, " ");
  const lead = start > 0 ? "..." : "";
  return `\n    ${lead}${excerpt}\n    ${" ".repeat(lead.length + at - start)}^`;
}

/** The field names a path could have meant, nearest first (at most 3 within 2 edits). */
export function nearestFields(path: readonly string[], types: readonly EventType[]): string[] {
  const [head, ...rest] = path;
  if (head === undefined) return [];
  if (head !== "data") return nearest(head, [...envelopeKeys, "data"]);
  const found = new Set<string>();
  for (const type of types) {
    for (const guess of guesses(eventDataSchemas[type], rest)) found.add(["data", ...guess].join("."));
  }
  return [...found].slice(0, 3);
}

/** Paths like `path` whose one wrong step is replaced by a near key of that level. */
function guesses(schema: z.ZodType, path: readonly string[]): string[][] {
  const [head, ...rest] = path;
  if (head === undefined) return [];
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault)
    return guesses(schema.unwrap() as z.ZodType, path);
  if (schema instanceof z.ZodArray) return guesses(schema.element as z.ZodType, path);
  if (!(schema instanceof z.ZodObject)) return [];
  const shape = schema.shape as Record<string, z.ZodType>;
  const field = shape[head];
  if (field !== undefined) return guesses(field, rest).map((g) => [head, ...g]);
  return nearest(head, Object.keys(shape)).map((key) => [key, ...rest]);
}

function nearest(word: string, candidates: readonly string[]): string[] {
  return candidates
    .map((c) => ({ c, d: distance(word.toLowerCase(), c.toLowerCase()) }))
    .filter(({ d }) => d <= 2)
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map(({ c }) => c);
}

/** Levenshtein distance (a few dozen short names: the plain two-row table is enough). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = row;
  }
  return previous[b.length] ?? 0;
}
