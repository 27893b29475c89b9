import { z } from "zod";
import type { BodyCheck } from "../../membrane/outcome";
import type { PaceRule } from "../../pacing/pacer";
import type { RecipeContext } from "../types";

/** Ometria's push endpoint takes about 8 requests per second per account. */
export const OMETRIA_PUSH_PACE: PaceRule = { key: "ometria-push", limit: 8, per_seconds: 1 };

const pushAnswer = z.looseObject({ status: z.string(), rejected: z.number().optional() });

/** Ometria answers 200 `{"status":"OK", accepted, rejected}`; a rejected record is a permanent failure. */
export const ometriaPushCheck: BodyCheck = (body) => {
  const answer = pushAnswer.safeParse(body);
  if (!answer.success) return null;
  if (answer.data.status !== "OK") return `Ometria push status ${answer.data.status}`;
  if ((answer.data.rejected ?? 0) > 0)
    return `Ometria rejected ${answer.data.rejected} record(s); see GET /push/_errors`;
  return null;
};

/** POST /push with one record; Ometria merges records by `id`, so a repeat updates rather than duplicates. */
export function pushRecord(ctx: RecipeContext, record: Record<string, unknown>) {
  return ctx.membrane.proxy({
    connectionId: ctx.connectionId,
    method: "POST",
    path: "/push",
    body: [record],
    acceptBody: ometriaPushCheck,
  });
}

/** Ometria's documented push limits: 100 records per request, 60 KB per record, one record type per request. */
export const OMETRIA_PUSH_BATCH = { max: 100, maxRecordBytes: 60 * 1024 } as const;

/**
 * POST /push with many records of one type. A rejected record is not an error of the call: the answer's
 * `rejected` count is read by the lane, which narrows the batch down to the records at fault.
 */
export function pushRecords(ctx: RecipeContext, records: readonly Record<string, unknown>[]) {
  return ctx.membrane.proxy({
    connectionId: ctx.connectionId,
    method: "POST",
    path: "/push",
    body: records,
    acceptBody: (body) => {
      const answer = pushAnswer.safeParse(body);
      return answer.success && answer.data.status !== "OK"
        ? `Ometria push status ${answer.data.status}`
        : null;
    },
  });
}

/** `rejected` from Ometria's push answer. */
export function rejectedRecords(body: unknown): number {
  const answer = pushAnswer.safeParse(body);
  return answer.success ? (answer.data.rejected ?? 0) : 0;
}
