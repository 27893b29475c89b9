import { DurableObject } from "cloudflare:workers";

/** A vendor limit such as Ometria's "6 data deletion requests per minute". */
export interface PaceRule {
  /** Bucket name, shared by every reaction that counts against the same upstream limit. */
  key: string;
  limit: number;
  per_seconds: number;
}

/**
 * One instance per connection and limit, worldwide (Durable Object): hands out evenly spaced time slots,
 * so any window of `per_seconds` holds at most `limit` calls and a burst is spread out instead of failing.
 */
export class ConnectionPacer extends DurableObject {
  /** Reserves the next free slot and returns its time (epoch ms); callers wait until then. */
  async reserve(limit: number, perSeconds: number, now: number): Promise<number> {
    const interval = Math.ceil((perSeconds * 1000) / limit);
    const next = (await this.ctx.storage.get<number>("next")) ?? 0;
    const slot = Math.max(now, next);
    await this.ctx.storage.put("next", slot + interval);
    return slot;
  }
}

/** Reserves a slot for `rule` on `connectionId`; returns when the call may go out (epoch ms). */
export function reserveSlot(
  pacers: DurableObjectNamespace<ConnectionPacer>,
  connectionId: string,
  rule: PaceRule,
  now: number,
): Promise<number> {
  const stub = pacers.get(pacers.idFromName(`${connectionId}:${rule.key}`));
  return stub.reserve(rule.limit, rule.per_seconds, now);
}
