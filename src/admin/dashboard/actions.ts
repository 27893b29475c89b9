import type { Handler } from "hono";
import { z } from "zod";
import { loadConfig } from "../../config";
import { BridgeError, InvalidRequestError } from "../../errors";
import { log } from "../../lib/log";
import { pauseKind } from "../api/schemas";
import { pause, resume } from "../operations/pauses";
import { preflight } from "../operations/preflight";
import { replayEvent } from "../operations/replay-event";
import { retryDeadDeliveries, retryDelivery } from "../operations/retry-deliveries";
import { plural } from "./components";
import type { DashboardContext, DashboardEnv } from "./dashboard-env";
import { type Flash, setFlash } from "./flash";
import { checkbox, optionalText, returnTo, validate } from "./forms";
import { DEAD_LETTERS_SHOWN } from "./pages/dead-letters-page";

/**
 * A form action: validates the form, runs the operation and redirects back to the page the form was on
 * (post/redirect/get), which shows the outcome once. An operation's refusal (unknown id, wrong state, queue
 * down) is shown there as an error rather than as an error page.
 */
function action<S extends z.ZodType>(
  name: string,
  schema: S,
  run: (c: DashboardContext, input: z.output<S>) => Promise<Flash>,
): Handler<DashboardEnv> {
  return async (c) => {
    const form = await c.req.parseBody();
    const back = returnTo.parse(form.return_to);
    let flash: Flash;
    let refused: BridgeError | undefined;
    try {
      flash = await run(c, validate(schema, form, "form"));
    } catch (error) {
      if (!(error instanceof BridgeError)) throw error;
      refused = error;
      const details = error instanceof InvalidRequestError ? [...error.issues] : [];
      flash = { tone: "error", text: error.message, details };
    }
    log(refused && refused.status >= 500 ? "error" : "info", "admin.dashboard_action", {
      action: name,
      path: c.req.path,
      outcome: flash.tone,
      ...(refused && { code: refused.code }),
    });
    await setFlash(c, c.var.adminToken, flash);
    return c.redirect(back, 303);
  };
}

const idParam = (c: DashboardContext) => c.req.param("id") ?? "";

/** `force` comes from the confirmation a delivery with an unknown outcome asks for ("I checked the vendor"). */
export const retryAction = action("retry", z.object({ force: checkbox }), async (c, { force }) => {
  const delivery = await retryDelivery(c.env, idParam(c), { force, now: Date.now() });
  return { tone: "ok", text: `Retry of "${delivery.reaction}" queued.` };
});

export const replayAction = action("replay", z.object({ force: checkbox }), async (c, { force }) => {
  const result = await replayEvent(c.env, idParam(c), { force, now: Date.now() });
  if (result.outcome === "still_unrecognized") {
    return {
      tone: "error",
      text: "The current normalizer still does not recognize this event.",
      details: result.problems,
    };
  }
  const parts = [
    `${plural(result.reset, "delivery", "deliveries")} restarted`,
    `${result.skipped} succeeded left alone`,
    `${result.inProgress} already in progress`,
  ];
  if (result.outcomeUnknown > 0) {
    parts.push(`${result.outcomeUnknown} with an unknown outcome left alone (check the vendor first)`);
  }
  const renormalized = result.renormalized ? " The event is recognized now." : "";
  return { tone: "ok", text: `Replay queued: ${parts.join(", ")}.${renormalized}` };
});

const bulkRetryForm = z.object({
  route: optionalText,
  reaction: optionalText,
  code: optionalText,
  limit: z.coerce.number().int().min(1).max(DEAD_LETTERS_SHOWN),
});

export const bulkRetryAction = action("retry-dead", bulkRetryForm, async (c, { limit, ...selection }) => {
  const { queued, more, outcomeUnknown } = await retryDeadDeliveries(c.env, selection, {
    limit,
    now: Date.now(),
  });
  const rest = more ? " More dead deliveries match." : "";
  const left =
    outcomeUnknown > 0
      ? ` ${plural(outcomeUnknown, "delivery", "deliveries")} with an unknown outcome left out: check the vendor, then retry each one.`
      : "";
  return {
    tone: "ok",
    text: `${plural(queued, "dead delivery", "dead deliveries")} queued again.${rest}${left}`,
  };
});

const pauseForm = z.object({ kind: pauseKind, name: z.string().min(1).max(200) });

export const pauseAction = action("pause", pauseForm, async (c, { kind, name }) => {
  const { created } = await pause(c.env, loadConfig(c.env), kind, name, Date.now());
  return {
    tone: "ok",
    text: created ? `Paused ${kind} "${name}".` : `The ${kind} "${name}" was already paused.`,
  };
});

export const preflightAction = action("preflight", z.object({}), async (c) => {
  const report = await preflight(c.env, { refresh: true, now: Date.now() });
  const failed = report.checks.filter((check) => check.result === "fail").length;
  return report.ok
    ? {
        tone: "ok",
        text: `Checked against Membrane: ${plural(report.checks.length, "check", "checks")} passed.`,
      }
    : {
        tone: "error",
        text: `Checked against Membrane: ${plural(failed, "check", "checks")} failed (below).`,
      };
});

export const resumeAction = action("resume", pauseForm, async (c, { kind, name }) => {
  const { requeued, more } = await resume(c.env, kind, name);
  const rest = more ? " The cron sweep queues the rest within minutes." : "";
  return {
    tone: "ok",
    text: `Resumed ${kind} "${name}": ${plural(requeued, "waiting delivery", "waiting deliveries")} queued.${rest}`,
  };
});
