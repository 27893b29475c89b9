import { z } from "zod";
import type { AttemptOutcome, DeliveryStatus } from "../../store/deliveries";
import type { EventStatus, EventVerification } from "../../store/events";
import type { PauseKind } from "../../store/pauses";

/*
 * Schemas shared by several admin operations. Enums are written as objects checked against the store's
 * types (`satisfies`), so a status added there without being added here fails to compile.
 */

export const eventStatus = z.enum({
  accepted: "accepted",
  queued: "queued",
  processing: "processing",
  done: "done",
  failed: "failed",
  unrecognized: "unrecognized",
  rejected: "rejected",
} satisfies { [S in EventStatus]: S });

export const deliveryStatus = z.enum({
  pending: "pending",
  in_flight: "in_flight",
  retrying: "retrying",
  succeeded: "succeeded",
  dead: "dead",
} satisfies { [S in DeliveryStatus]: S });

const verification = z.enum({
  verified: "verified",
  pending_confirmation: "pending_confirmation",
  confirmed: "confirmed",
  not_genuine: "not_genuine",
} satisfies { [V in EventVerification]: V });

export const attemptOutcome = z.enum({
  success: "success",
  transient: "transient",
  permanent: "permanent",
  unknown: "unknown",
} satisfies { [O in AttemptOutcome]: O });

export const pauseKind = z.enum({ route: "route", connection: "connection" } satisfies {
  [K in PauseKind]: K;
});

/** Times in answers: ISO 8601 in UTC. */
export const isoTime = z.iso.datetime();

/** A time filter: ISO 8601 with an offset (or Z), parsed to epoch ms. */
export const timeFilter = z.iso
  .datetime({ offset: true })
  .transform((value) => Date.parse(value))
  .describe("ISO 8601 date-time, e.g. 2026-11-20T09:00:00Z");

/** Filters named `from` and `to` must describe a non-empty window. */
export function orderedWindow(value: { from?: number; to?: number }): boolean {
  return value.from === undefined || value.to === undefined || value.from < value.to;
}
export const windowMessage = { message: "`from` must be before `to`", path: ["from"] };

export const counts = <S extends z.ZodEnum>(status: S) => z.partialRecord(status, z.int().nonnegative());

/** The `{"error": ...}` body of every failed admin call. */
export const errorBody = z.object({
  error: z.object({
    code: z.string().describe("Stable machine-readable code, e.g. invalid_request, event_not_found"),
    message: z.string(),
    issues: z.array(z.string()).optional().describe("For invalid_request: one line per problem"),
    request_id: z
      .string()
      .optional()
      .describe("For 5xx answers: the id under which the detail was logged for the operator"),
  }),
});

export const eventSummary = z.object({
  id: z.string().describe("Canonical event id (UUIDv7, time-ordered)"),
  route: z.string(),
  vendor: z.string(),
  dedupe_key: z.string(),
  type: z.string().describe("Canonical type, or hookbridge.unrecognized"),
  vendor_event_type: z.string().nullable(),
  subject: z.string().nullable(),
  status: eventStatus,
  status_reason: z.string().nullable(),
  verification,
  received_at: isoTime,
  queued_at: isoTime.nullable(),
  redacted_at: isoTime.nullable().describe("When an erasure request removed a person's data from it"),
});

export const requestSummary = z.object({
  method: z.string(),
  path: z.string().describe("Membrane path and query (secrets masked)"),
  body: z.string().optional().describe("Excerpt of the JSON sent, e-mails and secrets masked"),
  records: z
    .int()
    .positive()
    .optional()
    .describe("How many records a batched call (Ometria /push) carried; its body is then not kept"),
});

export const attempt = z.object({
  number: z.int().positive(),
  started_at: isoTime,
  finished_at: isoTime.nullable(),
  outcome: attemptOutcome.nullable().describe("null while the attempt is in flight"),
  error_code: z.string().nullable(),
  request: requestSummary,
  response_status: z.int().nullable(),
  response_excerpt: z.string().nullable(),
  duration_ms: z.int().nullable(),
  input_unchecked: z
    .boolean()
    .describe("An action's input went out unchecked: no definition of the action could be read"),
  action_run_id: z
    .string()
    .nullable()
    .describe("Membrane's action run id when the call went through an action (GET /action-run-logs/{id})"),
});

export const delivery = z.object({
  id: z.string(),
  event_id: z.string(),
  reaction: z.string(),
  recipe: z.string(),
  connection_id: z.string(),
  status: deliveryStatus,
  attempts: z.int().nonnegative(),
  retry_base: z.int().nonnegative().describe("Attempts made before the last manual retry"),
  next_attempt_at: isoTime.nullable(),
  lease_until: isoTime.nullable(),
  last_error_code: z.string().nullable(),
  last_error: z.string().nullable(),
  created_at: isoTime,
  updated_at: isoTime,
  completed_at: isoTime.nullable(),
  holds_erased_address: z
    .boolean()
    .describe(
      "True while this delivery, an erasure request's own vendor deletion, keeps the erased address after the " +
        "local redaction, because it still has to send it: the one place the bridge keeps it, until the " +
        "delivery succeeds or dies, at most RETENTION.erasure_hold_hours. The address is never shown",
    ),
});

export const pause = z.object({ kind: pauseKind, name: z.string(), paused_at: isoTime });

export const force = z
  .boolean()
  .default(false)
  .describe(
    "Also re-run deliveries that already succeeded, and dead ones whose outcome is unknown (their last call " +
      "may have been applied: check the vendor first). The vendor sees the call again.",
  );

/** Dead deliveries an operation left alone because their last call may have been applied. */
export const skippedOutcomeUnknown = z
  .int()
  .nonnegative()
  .describe(
    "Dead with last_error_code outcome_unknown and left out: check the vendor, then retry each with `force`",
  );
