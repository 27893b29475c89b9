/**
 * Calls one Durable Object may have waiting for their response headers at once on the edge. Durable Objects
 * share Workers' limit of 6 simultaneous outgoing connections, with one I/O context for all of an object's
 * requests (developers.cloudflare.com/durable-objects/platform/limits, .../dynamic-workers/platform/limits); a
 * connection counts until its response headers arrive, and a seventh waits (changelog 2026-04-09).
 */
export const RELAY_CALLS = 6;

/** How many relays a lane that runs `concurrency` deliveries at once spreads its calls over. */
export const relaysFor = (concurrency: number) => Math.ceil(concurrency / RELAY_CALLS);

/**
 * Which of a lane's relays may take a call now: at most RELAY_CALLS waiting for headers on each, the least
 * busy first. A call that finds them all full waits for a free one, as it would on the edge; waiters are woken
 * in order, though a call arriving just as a slot frees may take it first (no slot is ever lost).
 */
export class RelayPool {
  private readonly waiting: number[];
  private readonly queue: Array<() => void> = [];

  constructor(relays: number) {
    this.waiting = Array.from({ length: Math.max(1, relays) }, () => 0);
  }

  /** A relay's index, counted as one call busier until `release`. */
  async acquire(): Promise<number> {
    for (;;) {
      const index = this.take();
      if (index !== undefined) return index;
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
  }

  /** The call on this relay has its headers (or failed): its slot is free. */
  release(index: number): void {
    this.waiting[index] = Math.max(0, (this.waiting[index] ?? 0) - 1);
    this.queue.shift()?.();
  }

  /** Calls waiting for headers on each relay. */
  busy(): readonly number[] {
    return [...this.waiting];
  }

  private take(): number | undefined {
    let best: number | undefined;
    this.waiting.forEach((count, index) => {
      if (count < RELAY_CALLS && (best === undefined || count < (this.waiting[best] ?? 0))) best = index;
    });
    if (best !== undefined) this.waiting[best] = (this.waiting[best] ?? 0) + 1;
    return best;
  }
}
