import type { DeliverySettings } from "../../config/delivery";
import { redactEmail } from "../../lib/log";
import type { CallOutcome } from "../../membrane/outcome";
import { type Adaptive, adapted, allowed, fullSpeed } from "./adaptive";
import {
  type Admission,
  admission,
  afterCall,
  type BreakerSettings,
  type BreakerState,
  CLOSED,
  probeEnded,
  probing,
} from "./breaker";
import { type Incident, incidentAfter, incidentEndsAt } from "./incident";
import type { LaneState } from "./lane-state";

/** What the lane logs and alerts: the breaker's changes, and an incident's start and end. */
export type HealthNews =
  | { kind: "breaker"; previous: BreakerState; next: BreakerState; code?: string }
  | { kind: "incident_started"; incident: Incident; breaker: BreakerState; code?: string }
  | { kind: "incident_ended"; incident: Incident; now: number };

/** How long a cut of the concurrency holds before another 429 or timeout may cut it again. */
const CUT_HOLD_MS = 1_000;
/** The least concurrency a cut leaves. */
const MIN_CONCURRENCY = 1;

/** The breaker's rules, from the settings. */
export function breakerSettings(settings: DeliverySettings): BreakerSettings {
  return {
    windowMs: settings.breaker_window_seconds * 1000,
    minCalls: settings.breaker_min_calls,
    openRate: settings.breaker_open_rate,
    cooldownMs: settings.breaker_cooldown_seconds * 1000,
    probeCalls: settings.breaker_probe_calls,
    closeRate: settings.breaker_close_rate,
  };
}

/**
 * A lane's view of its connection's health: the breaker (breaker.ts) fed by every Membrane call, the
 * incident it belongs to (incident.ts), and the concurrency the vendor takes now (adaptive.ts), over the
 * lane's storage. Opening and closing are written at once; a moving window waits for `flush` (one storage
 * write per round, not per call). The concurrency is kept in memory: after a restart it starts at full.
 */
export class LaneHealth {
  private current: BreakerState;
  private incident: Incident | undefined;
  private speed: Adaptive = fullSpeed(Number.POSITIVE_INFINITY);
  private changed = false;
  /** The delivery sent as the half-open breaker's probe. */
  private probe: string | undefined;
  /** Deliveries that probed since the breaker last closed: the next probe is another one (probeOrder). */
  readonly failedProbes = new Set<string>();
  /** The breaker closed or the connection was resumed: the lane pulls its retrying work forward (once). */
  private recoveredFlag = false;

  constructor(
    private readonly store: LaneState,
    private readonly tell: (news: HealthNews) => void,
  ) {
    const saved = store.read<BreakerState>("breaker") ?? CLOSED;
    // A probe whose answer was lost with a restart is sent again; a state from before the window existed
    // (a former version's) starts closed.
    this.current =
      saved.state === "half_open"
        ? { ...saved, probing: false }
        : saved.state === "closed" && !Array.isArray(saved.window)
          ? CLOSED
          : saved;
    this.incident = store.read<Incident | null>("incident") ?? undefined;
  }

  get state(): BreakerState {
    return this.current;
  }

  get openIncident(): Incident | undefined {
    return this.incident;
  }

  admission(now: number): Admission {
    return admission(this.current, now);
  }

  /** How many attempts may be out now: the configured concurrency, or less while the vendor sheds load. */
  concurrency(max: number): number {
    return allowed(this.speed, max);
  }

  /** `deliveryId` goes as the probe. */
  probing(deliveryId: string): void {
    this.current = probing(this.current);
    this.probe = deliveryId;
  }

  /**
   * A delivery's run ended. If it was the half-open breaker's probe and the breaker is still half-open (too
   * few calls to decide, or none: its delivery was gone or finished), another delivery probes now; otherwise
   * nothing would ever close or reopen the breaker, and the connection's work would wait for good.
   */
  ended(deliveryId: string): void {
    if (this.current.state !== "half_open" || deliveryId !== this.probe) return;
    this.failedProbes.add(deliveryId);
    this.current = probeEnded(this.current);
    this.changed = true;
  }

  /** One Membrane call's outcome, as it ends. */
  observe(outcome: CallOutcome, now: number, settings: DeliverySettings, maxConcurrency: number): void {
    const code = outcome.kind === "success" ? undefined : outcome.code;
    if (settings.adaptive_concurrency)
      this.speed = adapted(this.speed, outcome.kind, code, now, {
        max: maxConcurrency,
        min: MIN_CONCURRENCY,
        holdMs: CUT_HOLD_MS,
      });
    const previous = this.current;
    // Kept in the lane's storage, which an erasure does not reach: a vendor's text may echo an address.
    const reason = outcome.kind === "success" ? "" : redactEmail(outcome.reason);
    // A 429 proves the vendor answers: the pace, Retry-After and the concurrency above deal with it. Counted as
    // a failure, a paced lane's few 429s opened its breaker while the vendor was up.
    const kind = code === "rate_limited" ? "permanent" : outcome.kind;
    this.current = afterCall(previous, kind, reason, now, breakerSettings(settings));
    if (this.incident && kind === "transient") {
      this.incident = { ...this.incident, failures: this.incident.failures + 1 };
      this.changed = true;
    }
    if (this.current.state === previous.state) {
      this.changed ||= this.current !== previous;
      return;
    }
    if (this.current.state === "closed") {
      this.failedProbes.clear();
      this.recoveredFlag = true;
    } else if (previous.state === "half_open" && this.probe !== undefined) this.failedProbes.add(this.probe);
    const { incident, started } = incidentAfter(this.incident, previous, this.current, now);
    this.incident = incident;
    this.store.write("breaker", this.current);
    this.store.write("incident", this.incident ?? null);
    this.tell({ kind: "breaker", previous, next: this.current, ...(code && { code }) });
    if (started && incident)
      this.tell({ kind: "incident_started", incident, breaker: this.current, ...(code && { code }) });
  }

  /** The breaker holds `waiting` deliveries now (the incident keeps the most). */
  holding(waiting: number): void {
    if (!this.incident || waiting <= this.incident.held) return;
    this.incident = { ...this.incident, held: waiting };
    this.changed = true;
  }

  /** Ends the incident once its breaker stayed closed for the quiet time; says when to look again. */
  settleIncident(now: number, quietMs: number): number | undefined {
    const endsAt = incidentEndsAt(this.incident, quietMs);
    if (endsAt === undefined || !this.incident) return undefined;
    if (now < endsAt) return endsAt;
    this.tell({ kind: "incident_ended", incident: this.incident, now });
    this.incident = undefined;
    this.store.write("incident", null);
    return undefined;
  }

  /** The connection was resumed: its retrying work is pulled forward, as after the breaker closed. */
  resumed(): void {
    this.recoveredFlag = true;
  }

  /** Whether the breaker closed (or a resume came) since the last ask: the lane's retries are pulled forward. */
  takeRecovered(): boolean {
    const recovered = this.recoveredFlag;
    this.recoveredFlag = false;
    return recovered;
  }

  /** Writes a state that moved without changing (the window, the incident's counts), at the end of a round. */
  flush(): void {
    if (!this.changed) return;
    this.store.write("breaker", this.current);
    this.store.write("incident", this.incident ?? null);
    this.changed = false;
  }
}
