import { z } from "zod";
import type { BodyCheck } from "../../membrane/outcome";
import type { PaceRule } from "../../pacing/pacer";
import { apiBasePathOption, proxyOnly } from "../calls";
import { missingData, type ProxyProbe, type ReactionResult, type RecipeContext } from "../types";

/** docs.ometria.com data API introduction: push takes 8 requests per second per account (default). */
export const OMETRIA_PUSH_PACE: PaceRule = { key: "ometria-push", limit: 8, per_seconds: 1 };
/** Same page: at most 100 records per request and 60 KB per record. */
export const OMETRIA_PUSH_MAX_RECORDS = 100;
export const OMETRIA_RECORD_MAX_BYTES = 60 * 1024;

/** The options every push recipe shares. No Membrane action pushes records (none in the seeds). */
export const pushOptions = (recipeKey: string) => ({
  via: proxyOnly(recipeKey),
  /** Where Ometria's API sits under the connection's base URL (see calls.ts). */
  api_base_path: apiBasePathOption,
  /**
   * Ometria's push limits, lowered where an account's plan is smaller. The connection's lane sends up to
   * `max_records_per_request` records per push; a record larger than `max_record_bytes` is not sent (Ometria
   * refuses it) and fails its own delivery.
   */
  max_records_per_request: z.int().min(1).max(OMETRIA_PUSH_MAX_RECORDS).default(OMETRIA_PUSH_MAX_RECORDS),
  max_record_bytes: z.int().min(1024).max(OMETRIA_RECORD_MAX_BYTES).default(OMETRIA_RECORD_MAX_BYTES),
});
export interface PushOptions {
  api_base_path: string;
  max_records_per_request: number;
  max_record_bytes: number;
}

const pushAnswer = z.looseObject({ status: z.string(), rejected: z.number().optional() });

/** Ometria answers 200 `{"status":"OK", request_id, accepted, rejected}`: another status is a refusal. */
const pushStatusCheck: BodyCheck = (body) => {
  const answer = pushAnswer.safeParse(body);
  return answer.success && answer.data.status !== "OK" ? `Ometria push status ${answer.data.status}` : null;
};

/** One record per push: a rejected record is a permanent failure of the call. */
export const ometriaPushCheck: BodyCheck = (body) => {
  const rejected = rejectedRecords(body);
  return (
    pushStatusCheck(body) ??
    (rejected > 0 ? `Ometria rejected ${rejected} record(s); see GET /push/_errors` : null)
  );
};

const encoder = new TextEncoder();

/** POST /push with one record; Ometria merges records by `id`, so a repeat updates rather than duplicates. */
export async function pushRecord(
  ctx: RecipeContext,
  opts: PushOptions,
  record: Record<string, unknown>,
): Promise<ReactionResult> {
  const size = encoder.encode(JSON.stringify(record)).byteLength;
  if (size > opts.max_record_bytes)
    return missingData(
      `the ${record["@type"]} record is ${size} bytes; Ometria takes at most ${opts.max_record_bytes}`,
    );
  return ctx.membrane.proxy({
    connectionId: ctx.connectionId,
    method: "POST",
    path: `${opts.api_base_path}/push`,
    body: [record],
    acceptBody: ometriaPushCheck,
  });
}

/** The lane's batch limits for a push reaction: its own options. */
export const pushLimits = (opts: PushOptions) => ({
  max: opts.max_records_per_request,
  maxRecordBytes: opts.max_record_bytes,
});

/**
 * POST /push with many records of one type. A rejected record is not an error of the call: the answer's
 * `rejected` count is read by the lane, which narrows the batch down to the records at fault.
 */
export function pushRecords(
  ctx: RecipeContext,
  opts: PushOptions,
  records: readonly Record<string, unknown>[],
) {
  return ctx.membrane.proxy({
    connectionId: ctx.connectionId,
    method: "POST",
    path: `${opts.api_base_path}/push`,
    body: records,
    acceptBody: pushStatusCheck,
  });
}

/** `rejected` from Ometria's push answer. */
export function rejectedRecords(body: unknown): number {
  const answer = pushAnswer.safeParse(body);
  return answer.success ? (answer.data.rejected ?? 0) : 0;
}

/**
 * The preflight's read for a push recipe: /push has no read of its own that the docs show, so the deletion
 * request list on the same API (docs.ometria.com: GET /data-deletion-requests) shows the connection answers.
 */
export const pushProbe = (opts: { api_base_path: string }): ProxyProbe => ({
  method: "GET",
  path: `${opts.api_base_path}/data-deletion-requests`,
});
