import { z } from "zod";
import { ConfigError } from "../errors";
import { type EventType, eventType } from "../events/types";
import { recipes } from "../reactions/recipes";
import { parseDeclarative } from "./declarative-reactions";
import { expressionAt } from "./expression-fields";
import type { Reaction } from "./reaction";
import { describeConfigIssues } from "./routes";
import { varValue } from "./var-value";

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
  /** JSONata filter over the canonical event (`$raw`: the vendor's payload); false: no delivery planned. */
  when: z.string().min(1).optional(),
});

export type { Reaction } from "./reaction";

/** Parses [vars.REACTIONS]; one ConfigError naming every bad reaction and field. Disabled entries are dropped. */
export function parseReactions(raw: unknown, routeNames: readonly string[]): Reaction[] {
  if (raw === undefined || raw === null) return [];
  const entries = z.record(z.string(), z.unknown()).safeParse(varValue(raw));
  if (!entries.success) throw new ConfigError("REACTIONS must be a table of named reactions");
  const problems: string[] = [];
  const reactions: Reaction[] = [];
  for (const [name, value] of Object.entries(entries.data)) {
    const at = `reactions.${name}`;
    if (!REACTION_NAME.test(name)) {
      problems.push(`${at}: reaction names are lower-case letters, digits, - and _`);
      continue;
    }
    if (!(value && typeof value === "object" && "recipe" in value)) {
      const reaction = parseDeclarative(name, value, routeNames, problems);
      if (reaction) reactions.push(reaction);
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
    const when = entry.data.when && expressionAt(`${at}.when`, entry.data.when, on, problems);
    if (problems.length > 0 || !options.success || !entry.data.enabled) continue;
    reactions.push({
      ...(when && { when }),
      name,
      recipe,
      connection: entry.data.connection,
      on,
      ...(entry.data.routes && { routes: entry.data.routes }),
      ...(entry.data.retry_schedule_seconds && { retrySchedule: entry.data.retry_schedule_seconds }),
      options: options.data,
    });
  }
  checkSerializationScopes(reactions, problems);
  if (problems.length > 0) throw new ConfigError(`invalid reaction config: ${problems.join("; ")}`);
  return reactions;
}

/**
 * A lane orders an entity's deliveries across its own reactions only (src/delivery/lane/work.ts). Two
 * serializing reactions writing the same scope (e.g. one loyalty card) through different connections run in
 * two lanes, which could work on one customer at once: two users, or a reading spoilt by the other's stamps.
 */
function checkSerializationScopes(reactions: readonly Reaction[], problems: string[]): void {
  const byScope = new Map<string, Reaction[]>();
  for (const r of reactions) {
    const scope = r.recipe.entityOrder === "serialize" ? r.recipe.serializationScope?.(r.options) : undefined;
    if (scope !== undefined) byScope.set(scope, [...(byScope.get(scope) ?? []), r]);
  }
  for (const [scope, group] of byScope) {
    const connections = [...new Set(group.map((r) => r.connection))];
    if (connections.length < 2) continue;
    problems.push(
      `${group.map((r) => `reactions.${r.name}`).join(", ")}: each writes ${scope} through another ` +
        `connection (${connections.join(", ")}); one connection's lane runs one customer's deliveries one at ` +
        "a time, two lanes cannot: give them the same connection",
    );
  }
}

/** The reactions that apply to an event of `type` received on `route`. */
export function reactionsFor(reactions: readonly Reaction[], type: EventType, route: string): Reaction[] {
  return reactions.filter((r) => r.on.includes(type) && (!r.routes || r.routes.includes(route)));
}
