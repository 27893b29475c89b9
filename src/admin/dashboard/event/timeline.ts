import type { AttemptRow } from "../../../store/attempts";
import type { DeliveryRow } from "../../../store/deliveries";
import type { EventRow } from "../../../store/events";
import type { PauseRow } from "../../../store/pauses";
import type { LaneView } from "../../operations/lanes";
import { formatDuration } from "../components";

/**
 * An event's story, as steps in time order: received, planned, each attempt, each ending, and for a delivery
 * still waiting, why it waits (a pause, an open breaker, its retry schedule, its turn in the lane). Pure, so
 * every reason is unit tested (test/admin/dashboard/timeline.unit.test.ts).
 */
export interface TimelineStep {
  at: number;
  tone: "ok" | "bad" | "wait" | "info";
  /** The delivery's reaction, for the steps of one delivery. */
  reaction?: string;
  text: string;
  /** Set on the step that says why a delivery waits now. */
  waiting?: true;
}

export interface TimelineInput {
  event: Pick<EventRow, "route" | "received_at" | "status" | "status_reason">;
  deliveries: readonly Pick<
    DeliveryRow,
    | "id"
    | "reaction"
    | "connection_id"
    | "status"
    | "created_at"
    | "updated_at"
    | "completed_at"
    | "next_attempt_at"
    | "lease_until"
    | "last_error_code"
  >[];
  attempts: readonly Pick<
    AttemptRow,
    "delivery_id" | "number" | "started_at" | "outcome" | "error_code" | "response_status" | "duration_ms"
  >[];
  /** The breaker of each connection the deliveries use, as its lane reports it. */
  breakers: Readonly<Record<string, Pick<LaneView["breaker"], "state" | "probe_at">>>;
  pauses: readonly PauseRow[];
  now: number;
}

type Delivery = TimelineInput["deliveries"][number];
type Attempt = TimelineInput["attempts"][number];

export function buildTimeline(input: TimelineInput): TimelineStep[] {
  const { event, deliveries, now } = input;
  const steps: TimelineStep[] = [
    { at: event.received_at, tone: "info", text: `Received on route ${event.route}` },
  ];
  const planned = deliveries.map((d) => d.created_at);
  if (planned.length > 0) {
    const names = deliveries.map((d) => d.reaction).join(", ");
    steps.push({ at: Math.min(...planned), tone: "info", text: `Planned ${deliveries.length} (${names})` });
  } else if (event.status_reason) {
    steps.push({ at: event.received_at, tone: "info", text: event.status_reason });
  }
  for (const delivery of deliveries) {
    for (const attempt of input.attempts.filter((a) => a.delivery_id === delivery.id)) {
      steps.push(attemptStep(delivery, attempt));
    }
    const ending = endingStep(delivery);
    if (ending) steps.push(ending);
    const wait = waitingStep(delivery, input, now);
    if (wait) steps.push(wait);
  }
  // Stable: steps of the same instant keep the order above (received before planned, attempt before its end).
  return steps.sort((a, b) => a.at - b.at);
}

function attemptStep(delivery: Delivery, attempt: Attempt): TimelineStep {
  const base = { at: attempt.started_at, reaction: delivery.reaction };
  const head = `${delivery.reaction}: attempt ${attempt.number}`;
  const took = attempt.duration_ms === null ? "" : ` in ${formatDuration(attempt.duration_ms)}`;
  const answer = attempt.response_status === null ? "" : ` (${attempt.response_status})`;
  const code = attempt.error_code ? `: ${attempt.error_code}` : "";
  switch (attempt.outcome) {
    case null:
      return { ...base, tone: "info", text: `${head} started, no answer recorded yet` };
    case "success":
      return { ...base, tone: "ok", text: `${head} succeeded${took}` };
    case "transient":
      return { ...base, tone: "wait", text: `${head} failed, will be retried${answer}${code}${took}` };
    case "permanent":
      return { ...base, tone: "bad", text: `${head} failed permanently${answer}${code}${took}` };
    case "unknown":
      return { ...base, tone: "bad", text: `${head}: outcome unknown (the answer was lost)${code}` };
  }
}

function endingStep(delivery: Delivery): TimelineStep | undefined {
  if (delivery.status === "succeeded") {
    return {
      at: delivery.completed_at ?? delivery.updated_at,
      tone: "ok",
      reaction: delivery.reaction,
      text: `${delivery.reaction} succeeded`,
    };
  }
  if (delivery.status === "dead") {
    const code = delivery.last_error_code ? ` (${delivery.last_error_code})` : "";
    return {
      at: delivery.updated_at,
      tone: "bad",
      reaction: delivery.reaction,
      text: `${delivery.reaction} dead-lettered${code}`,
    };
  }
  return undefined;
}

/** Why a delivery that has not ended waits, most binding reason first; none once it has ended. */
export function waitReasons(
  delivery: Delivery,
  input: Pick<TimelineInput, "breakers" | "pauses" | "event">,
  now: number,
): string[] {
  if (delivery.status === "succeeded" || delivery.status === "dead") return [];
  if (delivery.status === "in_flight") {
    const lease = delivery.lease_until;
    return [
      lease !== null && lease < now
        ? "its attempt's lease ran out: it will be taken again"
        : "an attempt is running",
    ];
  }
  const reasons: string[] = [];
  for (const pause of input.pauses) {
    const held =
      (pause.kind === "connection" && pause.name === delivery.connection_id) ||
      (pause.kind === "route" && pause.name === input.event.route);
    if (held) reasons.push(`paused: the ${pause.kind} ${pause.name} is paused`);
  }
  const breaker = input.breakers[delivery.connection_id];
  if (breaker?.state === "open") {
    const probe =
      breaker.probe_at === undefined
        ? ""
        : `, probes in ${formatDuration(Math.max(0, breaker.probe_at - now))}`;
    reasons.push(`breaker open on ${delivery.connection_id}${probe}`);
  } else if (breaker?.state === "half_open") {
    reasons.push(`breaker probing ${delivery.connection_id}: one delivery tests it first`);
  }
  const due = delivery.next_attempt_at;
  if (due !== null && due > now) reasons.push(`next attempt in ${formatDuration(due - now)}`);
  // Due, and nothing else holds it: its lane has it (a retry time in the past is not news, its turn is).
  if (reasons.length === 0)
    reasons.push(`due now, waiting for its turn in the lane of ${delivery.connection_id}`);
  return reasons;
}

function waitingStep(delivery: Delivery, input: TimelineInput, now: number): TimelineStep | undefined {
  const reasons = waitReasons(delivery, input, now);
  if (reasons.length === 0) return undefined;
  const text = `${delivery.reaction} ${delivery.status === "in_flight" ? "is running" : "waits"}: ${reasons.join("; ")}`;
  return {
    at: now,
    tone: delivery.status === "in_flight" ? "info" : "wait",
    reaction: delivery.reaction,
    text,
    waiting: true,
  };
}
