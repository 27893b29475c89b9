import { loadConfig } from "../../config";
import type { Env } from "../../env";
import { ConfigError } from "../../errors";
import { membraneClientFromEnv } from "../../membrane/client";
import { type PreflightReport, PreflightReportSchema, runPreflight } from "../../preflight/preflight";
import { readPreflight, savePreflight, uncheckedInputs } from "../../store/preflight";

/** A report this recent is served as it is: each run calls Membrane once per connection, action and probe. */
export const PREFLIGHT_FRESH_MS = 10 * 60_000;
const DAY_MS = 24 * 3_600_000;

export interface PreflightView extends PreflightReport {
  checkedAt: number;
  /** Served from the last run rather than run now. */
  cached: boolean;
  /** Attempts of the last 24 h whose action input went out unchecked, per reaction. */
  uncheckedInputs: Record<string, number>;
}

/** The last preflight as stored, with the unchecked inputs of the last 24 h; no call to Membrane. */
export async function storedPreflight(
  env: Env,
  now: number,
): Promise<PreflightView | { uncheckedInputs: Record<string, number> }> {
  const unchecked = await uncheckedInputs(env.DB, now - DAY_MS);
  const stored = await readPreflight(env.DB);
  const last = stored && PreflightReportSchema.safeParse(JSON.parse(stored.report)).data;
  if (!stored || !last) return { uncheckedInputs: unchecked };
  return { ...last, checkedAt: stored.checkedAt, cached: true, uncheckedInputs: unchecked };
}

/** The last preflight while fresh (unless `refresh`), else a new run, stored for the next caller. */
export async function preflight(
  env: Env,
  options: { refresh: boolean; now: number },
): Promise<PreflightView> {
  const { now } = options;
  const last = await storedPreflight(env, now);
  if (!options.refresh && "checkedAt" in last && now - last.checkedAt < PREFLIGHT_FRESH_MS) return last;
  const unchecked = last.uncheckedInputs;
  const report = await freshReport(env);
  await savePreflight(env.DB, JSON.stringify(report), now);
  return { ...report, checkedAt: now, cached: false, uncheckedInputs: unchecked };
}

async function freshReport(env: Env): Promise<PreflightReport> {
  try {
    return await runPreflight(loadConfig(env), membraneClientFromEnv(env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Missing Membrane credentials, say: the one finding, named as start-up would name it.
    return {
      ok: false,
      checks: [{ subject: "configuration", check: "loads", result: "fail", detail: error.message }],
    };
  }
}
