import { z } from "zod";
import { ConfigError } from "../errors";
import { type EventType, eventType } from "../events/types";
import { COUPONTOOLS_ACTION_KEYS, OMETRIA_ACTION_KEYS } from "../reactions/calls";
import { type DeclarativeCall, declarativeRecipe } from "../reactions/declarative";
import { compileExpression, compilePathTemplate, type Expression, pathExists } from "../reactions/expression";
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
  /** JSONata filter over the canonical event (`$raw`: the vendor's payload); false: no delivery planned. */
  when: z.string().min(1).optional(),
});

/** The Membrane action keys this bridge knows per app; `other` reaches any action, unchecked. */
const KNOWN_ACTION_KEYS: Record<string, readonly string[]> = {
  coupontools: COUPONTOOLS_ACTION_KEYS,
  ometria: OMETRIA_ACTION_KEYS,
};

/** A reaction written in wrangler.toml instead of a recipe: filter, mapping, and one Membrane call. */
const declarativeEntry = z
  .strictObject({
    type: z.literal("declarative").optional(),
    connection: z.string().min(1),
    on: z.array(eventType).min(1),
    routes: z.array(z.string().min(1)).min(1).optional(),
    enabled: z.boolean().default(true),
    when: z.string().min(1).optional(),
    /** Which app's seed action keys `npm run check-config` compares `action.key` with (a hint only). */
    app: z.enum(["coupontools", "ometria", "other"]).optional(),
    action: z
      .strictObject({
        key: z.string().min(1).optional(),
        id: z.string().min(1).optional(),
        input: z.string().min(1),
      })
      .refine((a) => (a.key === undefined) !== (a.id === undefined), "give the action's key or its id")
      .optional(),
    request: z
      .strictObject({
        method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]),
        path: z.string().regex(/^\//, "a vendor path starting with /"),
        body: z.string().min(1).optional(),
        /** A harmless read `npm run preflight` makes to show the connection answers (a post has none). */
        probe: z
          .strictObject({
            method: z.enum(["GET", "POST"]),
            path: z.string().regex(/^\//, "a vendor path starting with /"),
            body: z.unknown().optional(),
          })
          .optional(),
      })
      .optional(),
    /** Fields of the mapped input/body that must have a value, else the delivery fails with the reason. */
    required: z.array(z.string().min(1)).default([]),
    idempotent: z.boolean().default(false),
    pace: z
      .strictObject({ limit: z.number().int().positive(), per_seconds: z.number().positive() })
      .optional(),
    retry_schedule_seconds: z.array(z.number().int().positive().max(43_200)).min(1).optional(),
  })
  .refine((e) => (e.action === undefined) !== (e.request === undefined), {
    message: "give either action = { key, input } or request = { method, path, body }",
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
  /** Planned only for events this filter holds for. */
  when?: Expression;
}

/** Parses an expression field; on failure records the problem and returns undefined. */
function expressionAt(
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
function checkPaths(at: string, paths: readonly string[][], on: readonly EventType[], problems: string[]) {
  for (const path of paths) {
    if (!pathExists(path, on)) problems.push(`${at}: ${on.join(", ")} has no field ${path.join(".")}`);
  }
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

function parseDeclarative(
  name: string,
  value: unknown,
  routeNames: readonly string[],
  problems: string[],
): Reaction | undefined {
  const at = `reactions.${name}`;
  const entry = declarativeEntry.safeParse(value);
  if (!entry.success) {
    problems.push(describeConfigIssues(at, entry.error));
    return undefined;
  }
  const { data } = entry;
  const before = problems.length;
  const unknownRoutes = (data.routes ?? []).filter((route) => !routeNames.includes(route));
  if (unknownRoutes.length > 0) problems.push(`${at}.routes: no route named ${unknownRoutes.join(", ")}`);
  const when = data.when && expressionAt(`${at}.when`, data.when, data.on, problems);
  let call: DeclarativeCall | undefined;
  if (data.action) {
    const { key, id } = data.action;
    const input = expressionAt(`${at}.action.input`, data.action.input, data.on, problems);
    if (input) call = { kind: "action", ref: id !== undefined ? { id } : { key: key ?? "" }, input };
  } else if (data.request) {
    const path = compilePathTemplate(data.request.path);
    if ("error" in path) problems.push(`${at}.request.path: ${path.error}`);
    else
      for (const part of path.parts)
        if ("expression" in part) checkPaths(`${at}.request.path`, part.expression.paths, data.on, problems);
    const body =
      data.request.body && expressionAt(`${at}.request.body`, data.request.body, data.on, problems);
    const { probe } = data.request;
    if (!("error" in path) && (body || !data.request.body))
      call = {
        kind: "request",
        method: data.request.method,
        path,
        ...(body && { body }),
        ...(probe && { probe }),
      };
  }
  if (problems.length > before || !call || !data.enabled) return undefined;
  const recipe = declarativeRecipe({
    name,
    on: data.on,
    call,
    required: data.required,
    idempotent: data.idempotent,
    // Its own pace bucket: other reactions on the same upstream limit say so in their own entries.
    ...(data.pace && { pace: { key: `declarative.${name}`, ...data.pace } }),
  });
  return {
    name,
    recipe,
    connection: data.connection,
    on: data.on,
    options: {},
    ...(data.routes && { routes: data.routes }),
    ...(data.retry_schedule_seconds && { retrySchedule: data.retry_schedule_seconds }),
    ...(when && { when }),
  };
}

/** The keys of one app, or of every app the bridge knows when the reaction names none. */
function knownKeys(app: string | undefined): readonly string[] {
  if (app !== undefined) return KNOWN_ACTION_KEYS[app] ?? [];
  return Object.values(KNOWN_ACTION_KEYS).flat();
}

const ActionKeysSeen = z.looseObject({
  recipe: z.string().optional(),
  app: z.string().optional(),
  action: z.looseObject({ key: z.string().optional() }).optional(),
  options: z.looseObject({ actions: z.record(z.string(), z.unknown()).optional() }).optional(),
});

/**
 * Action keys of [vars.REACTIONS] that the Membrane seeds do not list, for `npm run check-config` to mention:
 * a workspace may well have them (any key is accepted), and `npm run preflight` checks them against it.
 */
export function actionKeyHints(raw: unknown): string[] {
  const hints: string[] = [];
  const hint = (at: string, key: string, app: string | undefined) => {
    const known = app === "other" ? undefined : knownKeys(app);
    if (known && !known.includes(key))
      hints.push(
        `${at}: "${key}" is not among the action keys the Membrane seeds list${app ? ` for ${app}` : ""}; ` +
          "`npm run preflight` checks it against your workspace",
      );
  };
  for (const [name, value] of Object.entries(z.record(z.string(), z.unknown()).safeParse(raw).data ?? {})) {
    const entry = ActionKeysSeen.safeParse(value).data;
    if (!entry) continue;
    const at = `reactions.${name}`;
    if (entry.action?.key !== undefined) hint(`${at}.action.key`, entry.action.key, entry.app);
    const app = entry.recipe?.split(".")[0];
    for (const [step, option] of Object.entries(entry.options?.actions ?? {})) {
      const key =
        typeof option === "string"
          ? option
          : ActionKeysSeen.shape.action.unwrap().safeParse(option).data?.key;
      if (key !== undefined) hint(`${at}.options.actions.${step}`, key, app);
    }
  }
  return hints;
}

/** The reactions that apply to an event of `type` received on `route`. */
export function reactionsFor(reactions: readonly Reaction[], type: EventType, route: string): Reaction[] {
  return reactions.filter((r) => r.on.includes(type) && (!r.routes || r.routes.includes(route)));
}
