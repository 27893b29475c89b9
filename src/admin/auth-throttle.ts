import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

/** At most `maxFailures` failed attempts in any `windowMs`; after that the client waits. */
export interface ThrottleRule {
  maxFailures: number;
  windowMs: number;
}

/** `retryAfterMs` is 0 when the client may try now. */
export interface ThrottleState {
  blocked: boolean;
  retryAfterMs: number;
}

/**
 * Failed credential attempts of one client (one instance per client, by name), as a sliding log in SQLite:
 * the client is blocked while `maxFailures` failures lie within the last `windowMs`, until the oldest of them
 * leaves the window. Successes are never recorded. Time comes from the caller, so tests can move it.
 */
export class AuthThrottle extends DurableObject {
  #tableReady = false;

  #sql(): SqlStorage {
    const sql = this.ctx.storage.sql;
    if (!this.#tableReady) {
      sql.exec("CREATE TABLE IF NOT EXISTS failures (at INTEGER NOT NULL)");
      this.#tableReady = true;
    }
    return sql;
  }

  /** Whether the client may try now; forgets failures that left the window. */
  check(rule: ThrottleRule, now: number): ThrottleState {
    const sql = this.#sql();
    sql.exec("DELETE FROM failures WHERE at <= ?", now - rule.windowMs);
    const recent = sql
      .exec<{ at: number }>("SELECT at FROM failures ORDER BY at DESC LIMIT ?", rule.maxFailures)
      .toArray();
    const oldest = recent[rule.maxFailures - 1];
    if (oldest === undefined) return { blocked: false, retryAfterMs: 0 };
    return { blocked: true, retryAfterMs: Math.max(1, oldest.at + rule.windowMs - now) };
  }

  /** Records one failed attempt and answers the state after it. */
  recordFailure(rule: ThrottleRule, now: number): ThrottleState {
    this.#sql().exec("INSERT INTO failures (at) VALUES (?)", now);
    return this.check(rule, now);
  }
}

/** The throttle instance of one client. */
export function throttleOf(env: Pick<Env, "AUTH_THROTTLE">, client: string): DurableObjectStub<AuthThrottle> {
  const namespace = env.AUTH_THROTTLE as DurableObjectNamespace<AuthThrottle>;
  return namespace.getByName(client);
}
