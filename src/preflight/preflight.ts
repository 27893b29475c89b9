import { z } from "zod";
import type { BridgeConfig } from "../config";
import type { Reaction } from "../config/reactions";
import { sampleEvent } from "../events/samples";
import { type ActionLookup, NOT_RUNNABLE, readAction } from "../membrane/actions";
import type { ActionRef, MembraneClient } from "../membrane/client";
import { checkConnection } from "../membrane/connections";
import { checkInput } from "../membrane/input-schema";
import { refText, stepInput } from "../reactions/action-call";
import { describeInputProblems } from "../reactions/input-problems";
import type { ActionCall } from "../reactions/types";

/**
 * Checks a configuration against the live workspace before (and after) going live: every connection a route or
 * reaction uses exists and is connected; every action a reaction runs resolves on its connection, and the
 * input it builds from a sample event of each type it listens to fits the action's input schema; every proxy
 * recipe's harmless read answers. `npm run preflight` prints it; GET /admin/api/preflight serves it (cached).
 */
export const PreflightCheckSchema = z.object({
  subject: z.string().describe("`connection coupontools-demo`, `reaction paid-order-stamps`"),
  check: z
    .string()
    .describe("`exists and is connected`, `action add_stamps (add-stamps-to-loyalty-card) on order.paid`"),
  result: z
    .enum(["ok", "fail", "skip", "note"])
    .describe(
      "`skip`: nothing to check (a proxy call with no harmless read); `note`: how a reaction looks things up",
    ),
  detail: z.string(),
});
export type PreflightCheck = z.infer<typeof PreflightCheckSchema>;

export const PreflightReportSchema = z.object({ ok: z.boolean(), checks: z.array(PreflightCheckSchema) });
export type PreflightReport = z.infer<typeof PreflightReportSchema>;

export async function runPreflight(config: BridgeConfig, client: MembraneClient): Promise<PreflightReport> {
  const checks: PreflightCheck[] = [];
  for (const connection of connectionsOf(config)) {
    const found = await checkConnection(client, connection);
    checks.push({
      subject: `connection ${connection}`,
      check: "exists and is connected",
      result: found.ok ? "ok" : "fail",
      detail: found.detail,
    });
  }
  const lookups = new Map<string, Promise<ActionLookup>>();
  const lookup = (connection: string, ref: ActionRef) => {
    const key = `${connection}\u0000${refText(ref)}`;
    const cached = lookups.get(key) ?? readAction(client, connection, ref);
    lookups.set(key, cached);
    return cached;
  };
  for (const reaction of config.reactions) {
    checks.push(...(await actionChecks(reaction, lookup)));
    const probe = await probeCheck(reaction, client);
    if (probe) checks.push(probe);
    for (const detail of reaction.recipe.lookupNotes?.(reaction.options) ?? [])
      checks.push({ subject: `reaction ${reaction.name}`, check: "lookups", result: "note", detail });
  }
  return { ok: checks.every((c) => c.result !== "fail"), checks };
}

/** Every Membrane connection the configuration calls through: reactions, and Coupontools verifier routes. */
function connectionsOf(config: BridgeConfig): string[] {
  const routes = Object.values(config.routes).flatMap((r) =>
    r.verifier.type === "coupontools" ? [r.verifier.connection] : [],
  );
  return [...new Set([...config.reactions.map((r) => r.connection), ...routes])].sort();
}

const STEP_SETTING = "options.actions.";

async function actionChecks(
  reaction: Reaction,
  lookup: (connection: string, ref: ActionRef) => Promise<ActionLookup>,
): Promise<PreflightCheck[]> {
  const subject = `reaction ${reaction.name}`;
  const checks: PreflightCheck[] = [];
  for (const type of reaction.on) {
    let calls: ActionCall[];
    try {
      calls = (await reaction.recipe.actionCalls?.(sampleEvent(type), reaction.options)) ?? [];
    } catch (error) {
      checks.push({
        subject,
        check: `input on ${type}`,
        result: "fail",
        detail: `mapping the sample failed: ${String((error as Error).message ?? error)}`,
      });
      continue;
    }
    for (const call of calls) {
      // A recipe's step by its name (`add_stamps`); a declarative reaction has one action.
      const step = call.setting.startsWith(STEP_SETTING) ? `${call.setting.slice(STEP_SETTING.length)} ` : "";
      const check = `action ${step}(${refText(call.step.ref)}) on ${type}`;
      checks.push({
        subject,
        check,
        ...(await inputFits(reaction, call, await lookup(reaction.connection, call.step.ref))),
      });
    }
  }
  return checks;
}

async function inputFits(
  reaction: Reaction,
  call: ActionCall,
  found: ActionLookup,
): Promise<Pick<PreflightCheck, "result" | "detail">> {
  if (found.kind !== "found")
    return { result: "fail", detail: `does not resolve on ${reaction.connection}: ${found.outcome.reason}` };
  const { definition } = found;
  if (definition.isDeactivated || (definition.state !== undefined && NOT_RUNNABLE.includes(definition.state)))
    return {
      result: "fail",
      detail: `resolves to ${definition.id}, which cannot run: ${definition.isDeactivated ? "deactivated" : `state ${definition.state}`}`,
    };
  if (definition.inputSchema === undefined)
    return {
      result: "fail",
      detail: `resolves to ${definition.id}, which has no input schema: its input cannot be checked`,
    };
  let input: unknown;
  try {
    input = await stepInput(call);
  } catch (error) {
    return {
      result: "fail",
      detail: `${call.setting}.map failed: ${String((error as Error).message ?? error)}`,
    };
  }
  const problems = checkInput(definition.inputSchema, input);
  if (problems.length > 0)
    return { result: "fail", detail: describeInputProblems(reaction.name, call, problems) };
  return { result: "ok", detail: `resolves to ${definition.id}; the input fits its schema` };
}

async function probeCheck(reaction: Reaction, client: MembraneClient): Promise<PreflightCheck | undefined> {
  const probe = reaction.recipe.probe?.(reaction.options);
  if (probe === undefined) return undefined;
  const subject = `reaction ${reaction.name}`;
  if ("none" in probe) return { subject, check: "proxy probe", result: "skip", detail: probe.none };
  const outcome = await client.proxy({ connectionId: reaction.connection, ...probe });
  const shown = `${probe.method} ${probe.path}`;
  return outcome.kind === "success"
    ? { subject, check: "proxy probe", result: "ok", detail: `${shown} answered ${outcome.status}` }
    : { subject, check: "proxy probe", result: "fail", detail: `${shown}: ${outcome.reason}` };
}
