import type { z } from "zod";
import type { CanonicalEvent } from "../events/cloudevent";
import type { EventType } from "../events/types";
import type { ActionRef, HttpMethod, MembraneClient } from "../membrane/client";
import type { BodyCheck, CallOutcome } from "../membrane/outcome";
import type { PaceRule } from "../pacing/pacer";
import type { Expression } from "./expression";

/**
 * What running a recipe came to: a Membrane call's classified outcome, or a decision taken without calling
 * out. `missing_data` (the event lacks what the recipe needs) is a permanent failure; `skipped` (nothing to
 * do, e.g. no marketing consent) counts as done.
 */
export type ReactionResult =
  | CallOutcome
  | { kind: "missing_data"; reason: string }
  | { kind: "skipped"; reason: string }
  /**
   * A non-idempotent call may or may not have been applied: never repeated blindly. `saved` is what the recipe
   * recorded before the call (e.g. the balance it read) for its `reconcile` hook to decide on the next attempt.
   */
  | { kind: "unknown"; reason: string; outcome: CallOutcome; saved?: unknown };

export const missingData = (reason: string): ReactionResult => ({ kind: "missing_data", reason });
export const skipped = (reason: string): ReactionResult => ({ kind: "skipped", reason });

/**
 * Transient codes that prove the call was not applied: the vendor's or Membrane's rate limit (429), a held
 * Membrane lock (`concurrency/lock_timeout`: the run never started) and expired credentials
 * (`connection/access_token_expired`: Membrane refused before forwarding, or the vendor answered 401 and the
 * proxy refreshed). Every other transient failure (a 5xx from the vendor or from Membrane's `internal`,
 * whose moment of failure is not documented, a failed action run whose vendor answered 5xx, a timeout, a
 * dropped connection) may come after the vendor applied the call. Permanent Membrane refusals
 * (`bad_request/*`, configuration types) are refusals before forwarding and are not transient at all. And
 * `definition_unavailable`: the action's definition could not be read, so the call was never sent.
 * Source for the types and keys: docs.getmembrane.com reference/overview/errors and @membranehq/sdk.
 */
const NOT_APPLIED: readonly string[] = [
  "rate_limited",
  "busy",
  "credentials_expired",
  "definition_unavailable",
];

/** Whether a failed call may have been applied by the vendor (see NOT_APPLIED). */
export function isAmbiguous(outcome: CallOutcome): outcome is Extract<CallOutcome, { kind: "transient" }> {
  return outcome.kind === "transient" && !NOT_APPLIED.includes(outcome.code);
}

/**
 * For a call that is not safe to repeat: an ambiguous failure (isAmbiguous) becomes `unknown`, carrying what
 * the recipe saved before the call so its `reconcile` hook can decide later; others pass unchanged.
 */
export function unlessAmbiguous(outcome: CallOutcome, saved?: unknown): ReactionResult {
  if (!isAmbiguous(outcome)) return outcome;
  return {
    kind: "unknown",
    reason: `${outcome.reason}; the vendor may have applied it`,
    outcome,
    ...(saved !== undefined && { saved }),
  };
}

/**
 * What a recipe's `reconcile` hook found upstream after an ambiguous outcome: the call was applied (the
 * delivery succeeds), was not (it runs again), cannot be told (an operator decides), or the reading itself
 * failed transiently (looked at again later, still unsent).
 */
export type Reconciliation = (
  | { verdict: "applied"; detail?: string }
  /** Nothing was applied that a run would repeat: the recipe runs (again), from `resume` when given. */
  | { verdict: "not_applied"; detail?: string; resume?: unknown }
  | { verdict: "unknown"; reason: string }
  | { verdict: "retry"; outcome: CallOutcome }
) & {
  /** What was read to decide (e.g. `stamp balance`): counted per verdict in the stats. */
  check?: string;
};

/**
 * Something a recipe found upstream that an operator must see, though its delivery goes on: raised as a
 * `hookbridge.*` alert. Ids only, never personal data.
 */
export type RecipeFinding =
  | {
      kind: "duplicate_loyalty_user";
      loyaltyCardId: string;
      /** The user the delivery went on with, by the recipe's fixed rule. */
      chosenUserId: string;
      /** Every user of the card with the customer's e-mail, the chosen one included. */
      userIds: readonly string[];
    }
  | {
      /**
       * The v3 search by the local part of an e-mail did not show a user the card has under that e-mail: it
       * cannot be trusted to tell that a customer is not on the card (a second user would be made).
       */
      kind: "loyalty_search_missed";
      loyaltyCardId: string;
      userId: string;
    };

/**
 * Which vendor user a person's e-mail maps to within a scope (one loyalty card), once found or created, so a
 * returning customer needs no lookup. Kept by a keyed hash of the e-mail, never the address, and erased with
 * the person (src/retention/redact-erasures.ts).
 */
export interface VendorUserMemory {
  get(scope: string, email: string): Promise<string | undefined>;
  remember(scope: string, email: string, userId: string): Promise<void>;
  forget(scope: string, email: string): Promise<void>;
}

/** Keys derived from personal data (an e-mail) for an entity: a keyed hash, never the value itself. */
export interface EntityKeys {
  hash(text: string): Promise<string>;
}

/**
 * One action a recipe runs, as the operator configures it: which action (a key the workspace has, or an id),
 * and how the input the recipe builds is fitted to the action's input schema when the workspace's differs
 * (its field names are the workspace's, not public): `rename` or a JSONata `map` (action-call.ts).
 */
export interface ActionStep {
  ref: ActionRef;
  rename?: Readonly<Record<string, string>>;
  map?: Expression;
}

export interface ActionCall {
  step: ActionStep;
  /** Where the operator sets this step, named in errors: `options.actions.add_stamps`, `action`. */
  setting: string;
  /** The input the recipe built (before the step's rename or map, in a recipe's call). */
  input: unknown;
  acceptBody?: BodyCheck;
  readLimitBytes?: number;
}

/**
 * The engine's way of running an action (src/delivery/action-runner.ts): it reads the action's definition from
 * the workspace and holds the input to its schema before anything is sent. `input` is already fitted.
 */
export interface ActionRunner {
  run(call: ActionCall): Promise<CallOutcome>;
}

/** A harmless read through the proxy that shows the connection reaches the vendor (`npm run preflight`). */
export interface ProxyProbe {
  method: HttpMethod;
  path: string;
  body?: unknown;
  acceptBody?: BodyCheck;
}

export interface RecipeContext {
  membrane: MembraneClient;
  connectionId: string;
  /**
   * Keeps `saved` with the delivery before a non-idempotent call goes out, so that if the worker is lost
   * mid-call the next attempt reconciles instead of leaving it to an operator; `undefined` clears it (the call
   * about to go out cannot be checked later). Absent outside the engine.
   */
  checkpoint?(saved: unknown): Promise<void>;
  /** What the last reconciliation said to resume from (its `not_applied` verdict's `resume`). */
  resume?: unknown;
  /** Runs actions with their definitions read and inputs checked. Absent outside the engine: sent as they are. */
  actions?: ActionRunner;
  /** Raises what an operator must see (an alert); the delivery goes on. Absent outside the engine. */
  report?(finding: RecipeFinding): Promise<void>;
  /** The vendor's original payload (`$raw` of declarative mappings), while its raw body is kept. */
  raw?: () => unknown | Promise<unknown>;
  /**
   * Whether one more call fits in this attempt: its lease outlasts the call's timeout, and the lane's alarm has
   * a subrequest left. A recipe whose calls grow with the data (a list walked page by page) asks before each
   * call beyond those its `maxCalls` counts. Absent outside the engine: always room.
   */
  canCall?(): boolean;
  /** Vendor user ids remembered by e-mail (src/store/vendor-users.ts). Absent outside the engine. */
  vendorUsers?: VendorUserMemory;
  /**
   * Runs `read` once for every delivery that asks for the same `key` at the same time, never answering with a
   * read that started before the caller asked (src/lib/fresh-reads.ts). Absent outside the engine.
   */
  shared?<T>(key: string, read: () => Promise<T>): Promise<T>;
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
   * What the reaction writes upstream, e.g. `order:123`. Deliveries that write the same entity run one at a
   * time in event order. Stored in D1 and in the lane: never personal data in clear (use `keys.hash`).
   */
  entity?(
    event: CanonicalEvent<Accepts>,
    options: Options,
    keys: EntityKeys,
  ): string | undefined | Promise<string | undefined>;
  /**
   * "supersede" (default): a delivery of an entity that a newer one already replaced is skipped (a state push:
   * the newest state wins). "serialize": every delivery is applied, one after another, oldest first (each adds
   * something, e.g. stamps), and a newer one waits while an older one waits for its retry, so a reading of the
   * entity's state between attempts is sound.
   */
  entityOrder?: "supersede" | "serialize";
  /**
   * With "serialize": the upstream space its entities live in (e.g. one loyalty card). A lane serializes one
   * entity across every reaction it runs, but two lanes know nothing of each other, so start-up refuses two
   * serializing reactions of one scope on different connections (src/config/reactions.ts).
   */
  serializationScope?(options: Options): string;
  /**
   * The recipe promises that every call that may change the vendor's state is preceded by a checkpoint: an
   * attempt lost before its first checkpoint (worker gone, lease run out) sent none, and is run again; one
   * lost after it is reconciled. Without it, a non-idempotent attempt lost this way ends `outcome_unknown`.
   */
  checkpointsWrites?: boolean;
  /** Present when the vendor takes many records in one call: the lane then sends them together. */
  batch?: BatchSpec<Options, Accepts>;
  run(event: CanonicalEvent<Accepts>, options: Options, ctx: RecipeContext): Promise<ReactionResult>;
  /**
   * The actions a run would call for this event, their inputs built as `run` builds them (ids an answer would
   * give are stand-ins): `npm run preflight` holds each to the workspace's schema. Empty when none.
   */
  actionCalls?(event: CanonicalEvent<Accepts>, options: Options): ActionCall[] | Promise<ActionCall[]>;
  /**
   * A harmless read through the proxy for `npm run preflight`, `{none}` saying why there is none (a chat post
   * has no read), or undefined when these options make no proxy call.
   */
  probe?(options: Options): ProxyProbe | { none: string } | undefined;
  /**
   * How a run looks things up with these options, where that cost grows with the vendor's data (a list read
   * page by page): `npm run preflight` shows each as a note.
   */
  lookupNotes?(options: Options): string[];
  /**
   * After an ambiguous outcome (`unknown` with `saved`), called before the call is repeated: reads the vendor's
   * state and says whether the call was applied. Without it, an ambiguous outcome ends `outcome_unknown`.
   */
  reconcile?(
    event: CanonicalEvent<Accepts>,
    options: Options,
    ctx: RecipeContext,
    saved: unknown,
  ): Promise<Reconciliation>;
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
