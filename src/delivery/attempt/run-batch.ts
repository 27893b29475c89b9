import type { Reaction } from "../../config/reactions";
import { log } from "../../lib/log";
import type { CallOutcome } from "../../membrane/outcome";
import type { BatchSpec, ReactionResult } from "../../reactions/types";
import { extendLeases, recordSuccesses } from "../../store/deliveries";
import type { DeliveryContext } from "../context";
import { type ClaimedDelivery, claimForAttempts } from "./claim";
import { type AttemptOutcome, outcomeOf } from "./outcome";
import { record } from "./record";
import type { DeliveryStep } from "./step";

interface Sendable {
  claimed: ClaimedDelivery;
  record: Record<string, unknown>;
}

/**
 * Attempts several deliveries of one batching reaction with one call (Ometria /push: up to 100 records).
 * Each delivery is claimed and recorded on its own. When the vendor rejects part of a batch (a `rejected` count,
 * or a 400 for the whole payload) the batch is halved and each half sent again until the records at fault are
 * alone: resending is safe because the vendor merges records by id. So one bad record fails its own delivery
 * and no other.
 */
export async function runBatch(
  ctx: DeliveryContext,
  reaction: Reaction,
  deliveryIds: readonly string[],
  /** Waits for the connection's next pace slot; called before each send after the first. */
  nextSlot: () => Promise<void> = async () => {},
): Promise<Map<string, DeliveryStep>> {
  const spec = reaction.recipe.batch as BatchSpec | undefined;
  if (!spec) throw new Error(`recipe ${reaction.recipe.key} does not batch`);
  const steps = new Map<string, DeliveryStep>();
  const sendable: Sendable[] = [];
  // Each delivery is claimed for its own attempt; those simply due, all in one D1 round trip.
  const claims = await claimForAttempts(ctx, deliveryIds);
  await Promise.all(
    [...claims].map(async ([id, claimed]) => {
      if ("step" in claimed) {
        steps.set(id, claimed);
        return;
      }
      const early = recordFor(spec, claimed, reaction.options);
      if ("record" in early) sendable.push({ claimed, record: early.record });
      else steps.set(id, await record(ctx, claimed, ctx.now(), outcomeOf(early, 0)));
    }),
  );
  // The vendor sees the records in event order, as they were handed over.
  sendable.sort(
    (a, b) => deliveryIds.indexOf(a.claimed.delivery.id) - deliveryIds.indexOf(b.claimed.delivery.id),
  );
  let sends = 0;
  const claimedIds = sendable.map((s) => s.claimed.delivery.id);
  const send: SendFn = async (records) => {
    if (sends++ > 0) {
      await nextSlot();
      // Each further send may take a whole call timeout: keep the claims alive meanwhile.
      await extendLeases(ctx.env.DB, claimedIds, ctx.now() + ctx.config.delivery.lease_ms);
    }
    const outcome = await spec.send(records, reaction.options, {
      membrane: ctx.membrane,
      connectionId: reaction.connection,
    });
    if (records.length === 1) return outcome;
    // The first 2 KB of a many-record body show other deliveries' records, not this one's: each attempt keeps
    // the call and how many records it carried (its own record is built from its event again).
    const { body: _excerpt, ...call } = outcome.request;
    return { ...outcome, request: { ...call, records: records.length } };
  };
  const outcomes = await sendNarrowing(ctx, spec, send, sendable);
  const served = [...outcomes].filter(([, result]) => result.outcome === "success");
  await Promise.all([
    ...[...outcomes]
      .filter(([, result]) => result.outcome !== "success")
      .map(async ([item, result]) => {
        steps.set(item.claimed.delivery.id, await record(ctx, item.claimed, ctx.now(), result));
      }),
    ...groupByResult(served).map(async ([result, items]) => {
      for (const [id, step] of await finishServed(ctx, reaction, items, result)) steps.set(id, step);
    }),
  ]);
  return steps;
}

/** Deliveries a call served together share one result object: recorded together. */
function groupByResult(entries: ReadonlyArray<[Sendable, Result]>): Array<[Result, Sendable[]]> {
  const groups = new Map<Result, Sendable[]>();
  for (const [item, result] of entries) groups.set(result, [...(groups.get(result) ?? []), item]);
  return [...groups];
}

/** `record` for deliveries one successful call served: one D1 round trip for all of them. */
async function finishServed(
  ctx: DeliveryContext,
  reaction: Reaction,
  items: readonly Sendable[],
  result: Result,
): Promise<Map<string, DeliveryStep>> {
  const now = ctx.now();
  const claims = items.map((i) => ({ id: i.claimed.delivery.id, attempt: i.claimed.attempt }));
  const moved = await recordSuccesses(ctx.env.DB, claims, result, now);
  const steps = new Map<string, DeliveryStep>();
  for (const { id, attempt } of claims) {
    if (!moved.has(id)) {
      // Another worker took it over after this lease ran out: the attempt row keeps what the call did.
      log("warn", "delivery.lease_lost", { delivery_id: id, attempt, outcome: result.outcome });
      steps.set(id, { step: "held", until: now + 1_000 });
    } else steps.set(id, { step: "attempted", attempt, status: "succeeded", outcome: "success" });
  }
  log("info", "delivery.batch_attempt", {
    reaction: reaction.name,
    outcome: result.outcome,
    status: "succeeded",
    http_status: result.response?.status,
    ms: result.durationMs,
    deliveries: moved.size,
    delivery_ids: [...moved],
  });
  return steps;
}

/** The record of one claimed delivery, or why it cannot be sent (missing data, too large). */
function recordFor(
  spec: BatchSpec,
  claimed: ClaimedDelivery,
  options: unknown,
): { record: Record<string, unknown> } | ReactionResult {
  if ("missing" in claimed.event) return { kind: "missing_data", reason: claimed.event.missing };
  const built = spec.record(claimed.event, options);
  if (!("record" in built)) return built;
  const bytes = new TextEncoder().encode(JSON.stringify(built.record)).byteLength;
  const { maxRecordBytes } = spec.limits(options);
  if (bytes > maxRecordBytes) {
    return {
      kind: "missing_data",
      reason: `the record is ${bytes} bytes; the vendor takes at most ${maxRecordBytes} per record`,
    };
  }
  return built;
}

type Result = AttemptOutcome;
type SendFn = (records: Record<string, unknown>[]) => Promise<CallOutcome>;

/** Sends the records, halving a batch the vendor partly rejects, and gives each its own result. */
async function sendNarrowing(
  ctx: DeliveryContext,
  spec: BatchSpec,
  send: SendFn,
  items: readonly Sendable[],
): Promise<Map<Sendable, Result>> {
  const results = new Map<Sendable, Result>();
  if (items.length === 0) return results;
  const started = ctx.now();
  const outcome = await send(items.map((i) => i.record));
  const rejected = outcome.kind === "success" ? spec.rejected(outcome.body) : 0;
  const partly = rejected > 0 || rejectsPayload(outcome);
  if (partly && items.length > 1) {
    const half = Math.ceil(items.length / 2);
    for (const part of [items.slice(0, half), items.slice(half)]) {
      for (const [item, result] of await sendNarrowing(ctx, spec, send, part)) results.set(item, result);
    }
    return results;
  }
  const result: ReactionResult =
    rejected > 0 && outcome.kind === "success"
      ? {
          ...outcome,
          kind: "permanent",
          code: "vendor_rejected",
          status: outcome.status,
          reason: "the vendor rejected this record (its push errors list says why)",
        }
      : outcome;
  // One result object for the whole call: finishServed records the deliveries sharing it in one round trip.
  const attempt = outcomeOf(result, ctx.now() - started);
  for (const item of items) results.set(item, attempt);
  return results;
}

/** A 400/413/422 for the whole payload may come from one record: worth narrowing down. */
function rejectsPayload(outcome: CallOutcome): boolean {
  return outcome.kind === "permanent" && [400, 413, 422].includes(outcome.status ?? 0);
}
