import { z } from "zod";
import { eventType } from "../events/types";
import { ACTION_ID, ACTION_KEY } from "../reactions/action-call";
import { type DeclarativeCall, declarativeRecipe } from "../reactions/declarative";
import { compilePathTemplate } from "../reactions/expression";
import { checkPaths, expressionAt } from "./expression-fields";
import type { Reaction } from "./reaction";
import { describeConfigIssues } from "./routes";

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
        key: ACTION_KEY.optional(),
        id: ACTION_ID.optional(),
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

export function parseDeclarative(
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
