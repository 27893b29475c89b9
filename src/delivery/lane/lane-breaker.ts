import { redactEmail } from "../../lib/log";
import {
  type Admission,
  type AttemptKind,
  admission,
  afterAttempt,
  type BreakerSettings,
  type BreakerState,
  CLOSED,
  probeLost,
  probing,
} from "./breaker";
import type { LaneState } from "./lane-state";

/** A change of the breaker's state, for the lane to log and alert (src/delivery/alerts.ts breakerAlert). */
export interface BreakerChange {
  previous: BreakerState;
  next: BreakerState;
}

/**
 * A lane's circuit breaker: the pure rules of breaker.ts, with the state they act on, the probe in flight,
 * the deliveries whose probe failed, and the storage that keeps the state across restarts. Opening and
 * closing are written at once; a counter moving waits for `flush` (one storage write per round, not per call).
 */
export class LaneBreaker {
  private current: BreakerState;
  private changed = false;
  /** The delivery sent as the half-open breaker's probe. */
  private probe: string | undefined;
  /** Deliveries whose probe failed since the breaker last closed: the next probe is another one (probeOrder). */
  readonly failedProbes = new Set<string>();

  constructor(private readonly store: LaneState) {
    const saved = store.read<BreakerState>("breaker") ?? CLOSED;
    // A probe whose answer was lost with a restart is sent again.
    this.current = saved.state === "half_open" ? { ...saved, state: "open", probeAt: 0 } : saved;
  }

  get state(): BreakerState {
    return this.current;
  }

  admission(now: number): Admission {
    return admission(this.current, now);
  }

  /** `deliveryId` goes as the probe. */
  probing(deliveryId: string): void {
    this.current = probing(this.current);
    this.probe = deliveryId;
  }

  /**
   * The half-open breaker's probe ended without an attempt (its delivery was gone, not due, held or paused):
   * another one goes as the probe. Otherwise nothing would ever close or reopen the breaker, and the
   * connection's work would wait for good.
   */
  probeNotSent(deliveryId: string, now: number): void {
    if (this.current.state !== "half_open" || deliveryId !== this.probe) return;
    this.current = probeLost(this.current, now);
    this.changed = true;
  }

  /** One attempt's outcome; answers the change of state when there is one. */
  observe(
    deliveryId: string,
    outcome: AttemptKind,
    reason: string,
    now: number,
    settings: BreakerSettings,
  ): BreakerChange | undefined {
    const previous = this.current;
    // Kept in the lane's storage, which an erasure does not reach: a vendor's text may echo an address.
    this.current = afterAttempt(previous, outcome, redactEmail(reason), now, settings);
    if (this.current.state === "closed") this.failedProbes.clear();
    else if (previous.state === "half_open" && deliveryId === this.probe) this.failedProbes.add(deliveryId);
    if (this.current.state !== previous.state) {
      this.store.write("breaker", this.current);
      return { previous, next: this.current };
    }
    this.changed ||= JSON.stringify(previous) !== JSON.stringify(this.current);
    return undefined;
  }

  /** Writes a state that moved without changing (a counter), at the end of a round. */
  flush(): void {
    if (!this.changed) return;
    this.store.write("breaker", this.current);
    this.changed = false;
  }
}
