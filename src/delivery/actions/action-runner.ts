import type { Reaction } from "../../config/reactions";
import type { CanonicalEvent } from "../../events/cloudevent";
import { type ActionLookup, readAction } from "../../membrane/actions";
import type { ActionRef } from "../../membrane/client";
import { checkInput, type InputProblem } from "../../membrane/input-schema";
import { type CallOutcome, notSent } from "../../membrane/outcome";
import { refText, stepInput } from "../../reactions/action-call";
import { describeInputProblems } from "../../reactions/input-problems";
import type { ActionCall, ActionRunner } from "../../reactions/types";
import type { DeliveryContext } from "../context";

/**
 * Definitions read from the workspace, per isolate (a lane, a queue consumer) and connection: read before an
 * action is first run there, again once DELIVERY.action_definition_ttl_seconds have passed. A read that
 * failed transiently is not kept; calls at the same time share one read.
 */
const definitions = new Map<string, { at: number; lookup: Promise<ActionLookup> }>();

export function lookupAction(
  ctx: DeliveryContext,
  connectionId: string,
  ref: ActionRef,
): Promise<ActionLookup> {
  const key = `${connectionId}\u0000${"id" in ref ? `id:${ref.id}` : `key:${ref.key}`}`;
  const now = ctx.now();
  const cached = definitions.get(key);
  if (cached && now - cached.at < ctx.config.delivery.action_definition_ttl_seconds * 1000)
    return cached.lookup;
  const lookup = readAction(ctx.membrane, connectionId, ref);
  definitions.set(key, { at: now, lookup });
  // A read that failed (or threw: a token that could not be made) is not kept: the next call reads again.
  const forget = () => {
    if (definitions.get(key)?.lookup === lookup) definitions.delete(key);
  };
  lookup.then((found) => found.kind === "failed" && forget(), forget);
  return lookup;
}

/** Forgets every definition read (tests that change the workspace's actions between runs). */
export function forgetActionDefinitions(): void {
  definitions.clear();
}

/**
 * Runs a reaction's actions: reads each action's definition (cached), holds the input to its input schema,
 * and runs it by the id the workspace gave. A misfit input fails for good before anything is sent, naming the
 * field and the setting that fits it. Without a definition the input goes out unchecked (marked on the
 * attempt: `unchecked`), or not at all (DELIVERY.unchecked_action_inputs = "refuse").
 */
export class DeliveryActions implements ActionRunner {
  /** Whether a call of this attempt went out with its input unchecked. */
  unchecked = false;

  constructor(
    private readonly ctx: DeliveryContext,
    private readonly reaction: Reaction,
  ) {}

  /**
   * Holds every action input a run of this event would send (the recipe's `actionCalls`, ids an answer gives
   * stood in) to its schema before the run begins, so a misfit stops the delivery before any vendor call, not
   * after a find or a create. Undefined when all fit, or cannot be checked now (each call is checked again).
   */
  async precheck(event: CanonicalEvent): Promise<CallOutcome | undefined> {
    const { recipe, options } = this.reaction;
    // A recipe of one call is checked as it sends: nothing goes out before it anyway.
    if (recipe.maxCalls <= 1) return undefined;
    let calls: ActionCall[];
    try {
      calls = (await recipe.actionCalls?.(event, options)) ?? [];
    } catch {
      // The run meets the same mapping and fails it with its own reason.
      return undefined;
    }
    for (const call of calls) {
      let input: unknown;
      try {
        input = await stepInput(call);
      } catch {
        continue; // the run fails it with its own reason
      }
      // It stops on names the schema lacks only (a setting to fit, whatever the event): a field left empty or
      // a value an answer would give (a stand-in id here) is checked when the call itself goes out.
      const checked = await this.check({ ...call, input }, (problem) => problem.problem === "unknown");
      if ("stop" in checked) return checked.stop;
    }
    return undefined;
  }

  async run(call: ActionCall): Promise<CallOutcome> {
    const checked = await this.check(call);
    if ("stop" in checked) return checked.stop;
    if (checked.unchecked) this.unchecked = true;
    return this.act(call, checked.ref);
  }

  /**
   * What an action call runs by (the id the workspace gave, or its own ref when no definition could be read,
   * then `unchecked`), or the outcome that stops it with nothing sent: a read Membrane did not answer (the run
   * would fare no better now: tried again later), an input that does not fit, an unchecked input refused.
   */
  private async check(
    call: ActionCall,
    /** Which problems stop the call (all are named when one does). */
    stops: (problem: InputProblem) => boolean = () => true,
  ): Promise<{ stop: CallOutcome } | { ref: ActionRef; unchecked: boolean }> {
    const lookup = await lookupAction(this.ctx, this.reaction.connection, call.step.ref);
    if (lookup.kind === "failed") return { stop: definitionUnavailable(call, lookup.outcome) };
    const ref = lookup.kind === "found" ? { id: lookup.definition.id } : call.step.ref;
    const schema = lookup.kind === "found" ? lookup.definition.inputSchema : undefined;
    if (schema === undefined) {
      const refused = this.refusedUnchecked(call, lookup);
      return refused ? { stop: refused } : { ref, unchecked: true };
    }
    const problems = checkInput(schema, call.input);
    if (problems.some(stops))
      return {
        stop: notSent("action_input_invalid", describeInputProblems(this.reaction.name, call, problems)),
      };
    return { ref, unchecked: false };
  }

  /** The refusal of an action whose input cannot be checked, when DELIVERY.unchecked_action_inputs says so. */
  private refusedUnchecked(call: ActionCall, lookup: Exclude<ActionLookup, { kind: "failed" }>) {
    if (this.ctx.config.delivery.unchecked_action_inputs !== "refuse") return undefined;
    const why =
      lookup.kind === "found"
        ? "its definition has no input schema"
        : `its definition could not be read (${lookup.outcome.reason})`;
    return notSent(
      "action_unresolved",
      `action ${refText(call.step.ref)} on ${this.reaction.connection}: ${why}, and DELIVERY.unchecked_action_inputs is "refuse"`,
    );
  }

  private act(call: ActionCall, ref: ActionRef): Promise<CallOutcome> {
    return this.ctx.membrane.act({
      ...ref,
      connectionId: this.reaction.connection,
      input: call.input,
      ...(call.acceptBody && { acceptBody: call.acceptBody }),
      ...(call.readLimitBytes !== undefined && { readLimitBytes: call.readLimitBytes }),
    });
  }
}

/**
 * The read of a definition failed in a way a later try can pass: the attempt is retried, and since nothing was
 * sent this is no ambiguous call (`definition_unavailable` is one of the codes that prove it, types.ts).
 */
function definitionUnavailable(
  call: ActionCall,
  read: Extract<CallOutcome, { kind: "transient" }>,
): CallOutcome {
  return {
    ...read,
    code: "definition_unavailable",
    reason: `action ${refText(call.step.ref)}: its definition could not be read (${read.reason}); nothing was sent`,
  };
}
