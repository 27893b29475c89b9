import { z } from "zod";
import type { CanonicalEvent } from "../events/cloudevent";
import type { EventType } from "../events/types";
import { redactEmail } from "../lib/log";
import { dotSegmentIn } from "../lib/url-path";
import type { ActionRef, HttpMethod } from "../membrane/client";
import type { PaceRule } from "../pacing/pacer";
import { runAction } from "./action-call";
import { type Expression, ExpressionLimitError, type PathTemplate } from "./expression";
import {
  type ActionCall,
  missingData,
  type ProxyProbe,
  type ReactionResult,
  type Recipe,
  unlessAmbiguous,
} from "./types";

/** What a declarative reaction in wrangler.toml calls, its expressions already parsed and checked. */
export type DeclarativeCall =
  | { kind: "action"; ref: ActionRef; input: Expression }
  | { kind: "request"; method: HttpMethod; path: PathTemplate; body?: Expression; probe?: ProxyProbe };

export interface DeclarativeSpec {
  name: string;
  on: readonly EventType[];
  call: DeclarativeCall;
  /** Top-level fields of the input (or body) that must have a value, else the delivery fails. */
  required: readonly string[];
  idempotent: boolean;
  pace?: PaceRule;
}

/** Why a mapping cannot be sent; the delivery fails for good with it, nothing goes out. */
class MappingGap extends Error {}

/**
 * A declarative reaction as a Recipe, so lanes, retries, the breaker, pacing and the admin treat it like
 * any other. Its key is `declarative.<name>`: deliveries record which reaction wrote what.
 */
export function declarativeRecipe(spec: DeclarativeSpec): Recipe<Record<string, never>, EventType> {
  return {
    key: `declarative.${spec.name}`,
    description: `Declarative reaction ${spec.name} (wrangler.toml)`,
    accepts: spec.on,
    options: z.strictObject({}),
    idempotent: spec.idempotent,
    maxCalls: 1,
    ...(spec.pace && { pace: spec.pace }),
    async run(event, _options, ctx): Promise<ReactionResult> {
      // The whole request is mapped before anything is sent: a gap fails the delivery, never a half call.
      const request = await mapRequest(spec, event, { raw: await ctx.raw?.() });
      if ("kind" in request) return request;
      const outcome =
        request.call === "action"
          ? await runAction(ctx, actionCall(request))
          : await ctx.membrane.proxy({
              connectionId: ctx.connectionId,
              method: request.method,
              path: request.path,
              ...(request.body !== undefined && { body: request.body }),
            });
      return spec.idempotent ? outcome : unlessAmbiguous(outcome);
    },
    async actionCalls(event) {
      const request = await mapRequest(spec, event, { raw: undefined });
      if ("kind" in request)
        throw new Error("reason" in request ? request.reason : `the mapping came to ${request.kind}`);
      return request.call === "action" ? [actionCall(request)] : [];
    },
    probe: () =>
      spec.call.kind === "action"
        ? undefined
        : (spec.call.probe ?? { none: "no probe declared (probe = { method, path })" }),
  };
}

/** The mapping is the operator's own: a mismatch is fixed in `action.input`, not by a rename. */
const actionCall = (request: Extract<MappedRequest, { call: "action" }>): ActionCall => ({
  step: { ref: request.ref },
  setting: "action.input",
  input: request.input,
});

type MappedRequest =
  | { call: "action"; ref: ActionRef; input: unknown }
  | { call: "request"; method: HttpMethod; path: string; body?: unknown };

async function mapRequest(
  spec: DeclarativeSpec,
  event: CanonicalEvent,
  bindings: Bindings,
): Promise<MappedRequest | ReactionResult> {
  const { call } = spec;
  try {
    if (call.kind === "action")
      return {
        call: "action",
        ref: call.ref,
        input: await mapped(call.input, event, bindings, "input", spec.required),
      };
    const path = await fillPath(call.path, event, bindings);
    const body = call.body && (await mapped(call.body, event, bindings, "body", spec.required));
    return { call: "request", method: call.method, path, ...(body !== undefined && { body }) };
  } catch (error) {
    if (error instanceof MappingGap) return missingData(error.message);
    // A runaway expression stops at a limit and would stop again: this delivery fails, the others run.
    if (error instanceof ExpressionLimitError)
      return missingData(`mapping stopped (${error.code}): ${error.message}`);
    // A JSONata error on this event (e.g. adding a string to a number): the same event fails again.
    const e = error as { code?: unknown; message?: unknown };
    if (typeof e.code === "string") return missingData(`mapping failed (${e.code}): ${String(e.message)}`);
    throw error;
  }
}

type Bindings = { raw: unknown };

async function mapped(
  expression: Expression,
  event: CanonicalEvent,
  bindings: Bindings,
  field: "input" | "body",
  required: readonly string[],
): Promise<unknown> {
  const value = plain(await expression.evaluate(event, bindings));
  if (value === undefined) throw new MappingGap(`${field} mapping yields no value for this event`);
  const missing = required.filter((key) => {
    const v = value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
    return v === undefined || v === null || v === "";
  });
  if (missing.length > 0)
    throw new MappingGap(`${field} mapping yields no value for required ${missing.join(", ")}`);
  return value;
}

async function fillPath(template: PathTemplate, event: CanonicalEvent, bindings: Bindings): Promise<string> {
  let path = "";
  for (const part of template.parts) {
    if ("text" in part) {
      path += part.text;
      continue;
    }
    const value = await part.expression.evaluate(event, bindings);
    const field = `path {${part.expression.source}}`;
    if (typeof value !== "string" && typeof value !== "number")
      throw new MappingGap(`${field} yields no value for this event`);
    const text = String(value);
    // An empty part leaves `//` in the path, which a server on the way may merge into one: another resource.
    if (text === "") throw new MappingGap(`${field} yields an empty value for this event`);
    // encodeURIComponent keeps `.` and `..`, and the URL parser resolves them (also `%2e`, which a decoding
    // on the way may make of `%252e`): a value must not pick another path, Membrane's own API among them.
    const dots = dotSegmentIn(text);
    if (dots !== undefined) throw new MappingGap(dotSegmentReason(field, text, dots));
    path += encodeURIComponent(text);
  }
  return path;
}

function dotSegmentReason(field: string, value: string, dots: string): string {
  const tail = "it would send the call to another path";
  if (value === dots) return `${field} yields the dot segment "${dots}"; ${tail}`;
  const masked = redactEmail(value);
  const shown = masked.length > 60 ? `${masked.slice(0, 60)}…` : masked;
  return `${field} yields "${shown}", which holds the dot segment "${dots}" (decoded, read as a path); ${tail}`;
}

/** JSONata marks its result arrays with extra properties; a JSON round trip leaves the plain value. */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
