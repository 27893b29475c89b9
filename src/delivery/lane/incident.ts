import type { BreakerState } from "./breaker";

/**
 * An incident on a connection: from its breaker's first opening until the breaker has stayed closed for the
 * quiet time (DELIVERY.incident_quiet_seconds). Operators are told twice, when it starts and when it ends;
 * the breaker's openings in between (a vendor flapping) are counted, not posted.
 */
export interface Incident {
  startedAt: number;
  /** Times the breaker opened (the first one included). */
  openings: number;
  /** Calls that failed transiently while it lasted. */
  failures: number;
  /** The most deliveries seen waiting while the breaker held them. */
  held: number;
  /** When the breaker last closed; absent while it is open or half-open. */
  closedAt?: number;
}

/** The incident after the breaker went from `previous` to `next`; `started` when this opening began it. */
export function incidentAfter(
  incident: Incident | undefined,
  previous: BreakerState,
  next: BreakerState,
  now: number,
): { incident: Incident | undefined; started: boolean } {
  const opened = previous.state === "closed" && next.state !== "closed";
  if (opened && incident === undefined)
    return { incident: { startedAt: now, openings: 1, failures: 0, held: 0 }, started: true };
  if (incident === undefined) return { incident, started: false };
  if (opened) {
    const { closedAt: _, ...rest } = incident;
    return { incident: { ...rest, openings: rest.openings + 1 }, started: false };
  }
  if (next.state === "closed" && previous.state !== "closed")
    return { incident: { ...incident, closedAt: now }, started: false };
  return { incident, started: false };
}

/** When the incident ends if the breaker stays closed; undefined while it is not closed. */
export const incidentEndsAt = (incident: Incident | undefined, quietMs: number): number | undefined =>
  incident?.closedAt === undefined ? undefined : incident.closedAt + quietMs;
