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
    const interval = slotInterval({ limit, per_seconds: perSeconds });
    const next = (await this.ctx.storage.get<number>("next")) ?? 0;
    const slot = Math.max(now, next);
    await this.ctx.storage.put("next", slot + interval);
    return slot;
  }
}

/** Time between two slots of a rule: 6 per 60 s -> 10 000 ms. */
export function slotInterval(rule: Pick<PaceRule, "limit" | "per_seconds">): number {
  return Math.ceil((rule.per_seconds * 1000) / rule.limit);
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
