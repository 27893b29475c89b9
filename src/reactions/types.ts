import type { z } from "zod";
import type { CanonicalEvent } from "../events/cloudevent";
import type { EventType } from "../events/types";
import type { MembraneClient } from "../membrane/client";
import { type CallOutcome, vendorStatusOf } from "../membrane/outcome";
import type { PaceRule } from "../pacing/pacer";

/**
 * What running a recipe came to: a Membrane call's classified outcome, or a decision taken without calling
 * out. `missing_data` (the event lacks what the recipe needs) is a permanent failure; `skipped` (nothing to
 * do, e.g. no marketing consent) counts as done.
 */
export type ReactionResult =
  | CallOutcome
  | { kind: "missing_data"; reason: string }
  | { kind: "skipped"; reason: string }
  /** A non-idempotent call may or may not have been applied (it timed out): never repeated automatically. */
  | { kind: "unknown"; reason: string; outcome: CallOutcome };

export const missingData = (reason: string): ReactionResult => ({ kind: "missing_data", reason });
export const skipped = (reason: string): ReactionResult => ({ kind: "skipped", reason });

/**
 * For a call that is not safe to repeat. A timeout, a dropped connection, or a gateway's 502/504 (the
 * upstream may have finished after the gateway gave up) leaves it unknown whether the vendor applied the
 * call, so it must not be retried like an ordinary transient failure. 429, 500 and 503 are taken to mean
 * the call was not applied and are retried.
 */
export function unlessAmbiguous(outcome: CallOutcome): ReactionResult {
  if (outcome.kind !== "transient") return outcome;
  const lost = outcome.code === "timeout" || outcome.code === "network_error";
  // Through an action, the vendor's gateway answer is the status Membrane reports for the failed run.
  const vendorStatus = outcome.membraneError ? vendorStatusOf(outcome.membraneError) : undefined;
  const gateway = [outcome.status, vendorStatus].some((s) => s === 502 || s === 504);
  if (!lost && !gateway) return outcome;
  return { kind: "unknown", reason: `${outcome.reason}; the vendor may have applied it`, outcome };
}

export interface RecipeContext {
  membrane: MembraneClient;
  connectionId: string;
  /** The vendor's original payload (`$raw` of declarative mappings), while its raw body is kept. */
  raw?: () => unknown;
}

/**
 * A reaction recipe: maps one canonical event to the Membrane request(s) that carry it out.
 * `options` is the recipe's own part of its [vars.REACTIONS.<name>] entry, validated at start-up.
 */
export interface Recipe<Options = unknown, Accepts extends EventType = EventType> {
  key: string;
  description: string;
  accepts: readonly Accepts[];
  options: z.ZodType<Options>;
  /**
   * False when repeating the call would apply it twice upstream (adding stamps). Such a delivery is never
   * re-sent once a call may have gone out without its answer being recorded.
   */
  idempotent: boolean;
  /** Most Membrane calls one attempt makes (find-or-create then update is 3): bounds an attempt's duration. */
  maxCalls: number;
  /** The upstream rate limit this recipe's calls count against, if any. */
  pace?: PaceRule;
  /**
   * What the reaction writes upstream, e.g. `order:123`. Deliveries that write the same entity are applied in
   * event order, and one superseded by a newer state of the entity is skipped rather than sent after it.
   */
  entity?(event: CanonicalEvent<Accepts>): string | undefined;
  /** Present when the vendor takes many records in one call: the lane then sends them together. */
  batch?: BatchSpec<Options, Accepts>;
  run(event: CanonicalEvent<Accepts>, options: Options, ctx: RecipeContext): Promise<ReactionResult>;
}

/** How a recipe's deliveries are sent together (Ometria's /push takes up to 100 records of one type). */
export interface BatchSpec<Options = unknown, Accepts extends EventType = EventType> {
  /**
   * Most records in one call, and the largest record the vendor accepts in bytes of JSON (a larger one fails
   * its own delivery alone), from the reaction's options.
   */
  limits(options: Options): { max: number; maxRecordBytes: number };
  /** The record one event becomes, or why it cannot be sent (missing data, nothing to do). */
  record(
    event: CanonicalEvent<Accepts>,
    options: Options,
  ): { record: Record<string, unknown> } | ReactionResult;
  /** One call with every record. */
  send(
    records: readonly Record<string, unknown>[],
    options: Options,
    ctx: RecipeContext,
  ): Promise<CallOutcome>;
  /** How many records the vendor rejected, read from a successful answer; 0 when it says none. */
  rejected(body: unknown): number;
}

/** Erases the option type so recipes of every kind fit one registry. */
// biome-ignore lint/suspicious/noExplicitAny: registry of heterogeneous recipes, each checked by its own schema
export type AnyRecipe = Recipe<any, any>;
