import type { z } from "zod";
import type { AttemptRow } from "../../store/attempts";
import type { DeliveryRow } from "../../store/deliveries";
import type { EventRow } from "../../store/events";
import type { PauseRow } from "../../store/pauses";
import { type attempt, type delivery, type eventSummary, type pause, requestSummary } from "./schemas";

/** Rows keep epoch ms; the API speaks ISO 8601. */
export const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function presentEventSummary(
  row: Omit<EventRow, "event_json" | "raw_body" | "raw_headers" | "email_hash">,
): z.input<typeof eventSummary> {
  return {
    id: row.id,
    route: row.route,
    vendor: row.vendor,
    dedupe_key: row.dedupe_key,
    type: row.type,
    vendor_event_type: row.vendor_event_type,
    subject: row.subject,
    status: row.status,
    status_reason: row.status_reason,
    verification: row.verification,
    received_at: iso(row.received_at),
    queued_at: isoOrNull(row.queued_at),
    redacted_at: isoOrNull(row.redacted_at),
  };
}

export function presentDelivery(row: DeliveryRow): z.input<typeof delivery> {
  // The address held for a pending erasure deletion (migrations/0006) is never shown, only sent on.
  const { held_event_json: held, ...shown } = row;
  return {
    ...shown,
    holds_erased_address: held !== null,
    next_attempt_at: isoOrNull(row.next_attempt_at),
    lease_until: isoOrNull(row.lease_until),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    completed_at: isoOrNull(row.completed_at),
  };
}

export function presentAttempt(row: AttemptRow): z.input<typeof attempt> {
  return {
    number: row.number,
    started_at: iso(row.started_at),
    finished_at: isoOrNull(row.finished_at),
    outcome: row.outcome,
    error_code: row.error_code,
    request: parseRequest(row.request_summary),
    response_status: row.response_status,
    response_excerpt: row.response_excerpt,
    duration_ms: row.duration_ms,
    action_run_id: row.action_run_id,
    input_unchecked: row.input_unchecked === 1,
  };
}

export function presentPause(row: PauseRow): z.input<typeof pause> {
  return { kind: row.kind, name: row.name, paused_at: iso(row.paused_at) };
}

export function parseRequest(json: string): z.input<typeof requestSummary> {
  try {
    const parsed = requestSummary.safeParse(JSON.parse(json));
    if (parsed.success) return parsed.data;
  } catch {
    // Fall through: show that the record is damaged rather than fail the whole event.
  }
  return { method: "?", path: "(unreadable request summary)" };
}
