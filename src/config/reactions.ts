import { z } from "zod";
import { ConfigError } from "../errors";
import { type EventType, eventType } from "../events/types";
import { recipes } from "../reactions/recipes";
import type { AnyRecipe } from "../reactions/types";
import { describeConfigIssues } from "./routes";

const REACTION_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** One [vars.REACTIONS.<name>] entry: which recipe, on what, through which Membrane connection. */
const reactionEntry = z.strictObject({
  recipe: z.string(),
  /** Membrane connection id (or integration key) the calls go through. */
  connection: z.string().min(1),
  /** Limit to these event types (default: every type the recipe accepts). */
  on: z.array(eventType).min(1).optional(),
  /** Limit to deliveries from these routes (default: all routes). */
  routes: z.array(z.string().min(1)).min(1).optional(),
  enabled: z.boolean().default(true),
  options: z.record(z.string(), z.unknown()).default({}),
  /** Overrides [vars.DELIVERY].retry_schedule_seconds for this reaction. */
  retry_schedule_seconds: z.array(z.number().int().positive().max(43_200)).min(1).optional(),
});

export interface Reaction {
  name: string;
  recipe: AnyRecipe;
  connection: string;
  on: readonly EventType[];
  routes?: readonly string[];
  options: unknown;
  /** The reaction's own retry schedule (seconds), when it has one. */
  retrySchedule?: readonly number[];
}

/** Parses [vars.REACTIONS]; one ConfigError naming every bad reaction and field. Disabled entries are dropped. */
export function parseReactions(raw: unknown, routeNames: readonly string[]): Reaction[] {
  if (raw === undefined || raw === null) return [];
  const entries = z.record(z.string(), z.unknown()).safeParse(raw);
  if (!entries.success) throw new ConfigError("REACTIONS must be a table of named reactions");
  const problems: string[] = [];
  const reactions: Reaction[] = [];
  for (const [name, value] of Object.entries(entries.data)) {
    const at = `reactions.${name}`;
    if (!REACTION_NAME.test(name)) {
      problems.push(`${at}: reaction names are lower-case letters, digits, - and _`);
      continue;
    }
    const entry = reactionEntry.safeParse(value);
    if (!entry.success) {
      problems.push(describeConfigIssues(at, entry.error));
      continue;
    }
    const recipe = Object.hasOwn(recipes, entry.data.recipe) ? recipes[entry.data.recipe] : undefined;
    if (!recipe) {
      problems.push(
        `${at}.recipe: unknown recipe "${entry.data.recipe}"; known: ${Object.keys(recipes).join(", ")}`,
      );
      continue;
    }
    const accepts: readonly EventType[] = recipe.accepts;
    const on = entry.data.on ?? accepts;
    const refused = on.filter((type) => !accepts.includes(type));
    if (refused.length > 0) problems.push(`${at}.on: ${recipe.key} cannot react to ${refused.join(", ")}`);
    const unknownRoutes = (entry.data.routes ?? []).filter((route) => !routeNames.includes(route));
    if (unknownRoutes.length > 0) problems.push(`${at}.routes: no route named ${unknownRoutes.join(", ")}`);
    const options = recipe.options.safeParse(entry.data.options);
    if (!options.success) problems.push(describeConfigIssues(`${at}.options`, options.error));
    if (problems.length > 0 || !options.success || !entry.data.enabled) continue;
    reactions.push({
      name,
      recipe,
      connection: entry.data.connection,
      on,
      ...(entry.data.routes && { routes: entry.data.routes }),
      ...(entry.data.retry_schedule_seconds && { retrySchedule: entry.data.retry_schedule_seconds }),
      options: options.data,
    });
  }
  if (problems.length > 0) throw new ConfigError(`invalid reaction config: ${problems.join("; ")}`);
  return reactions;
}

/** The reactions that apply to an event of `type` received on `route`. */
export function reactionsFor(reactions: readonly Reaction[], type: EventType, route: string): Reaction[] {
  return reactions.filter((r) => r.on.includes(type) && (!r.routes || r.routes.includes(route)));
}
