import type { EventType } from "../events/types";
import type { PaceRule } from "../pacing/pacer";
import type { Expression } from "../reactions/expression";
import type { AnyRecipe } from "../reactions/types";

/** One enabled reaction of [vars.REACTIONS], parsed: its recipe (or a declarative one) with checked options. */
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
  /** The vendor limit its calls count against: the recipe's, or the connection's own (DELIVERY.connection_pace). */
  pace?: PaceRule;
}
