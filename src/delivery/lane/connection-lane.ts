import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../../config";
import { laneConcurrency } from "../../config/delivery";
import type { Reaction } from "../../config/reactions";
import type { Env } from "../../env";
import { log, redactEmail } from "../../lib/log";
import { membraneClientFromEnv } from "../../membrane/client";
import { parseMembraneConfig } from "../../membrane/config";
import { type PaceRule, slotInterval } from "../../pacing/pacer";
import { markSuperseded } from "../../store/deliveries";
import { refreshEventStatus } from "../../store/events";
import { getPause } from "../../store/pauses";
import { breakerAlert, emitAlert } from "../alerts";
import { runBatch } from "../attempt/run-batch";
import { runDelivery } from "../attempt/run-delivery";
import type { DeliveryStep } from "../attempt/step";
import { type DeliveryContext, deliveryContext } from "../context";
import { alarmToSet } from "./alarm";
import {
  type AttemptKind,
  admission,
  afterAttempt,
  type BreakerState,
  CLOSED,
  probeLost,
  probeOrder,
  probing,
} from "./breaker";
import { relayOf } from "./relay/call-relay";
import { RelayPool, relaysFor } from "./relay/relay-pool";
import { relayedFetch } from "./relay/relayed-fetch";
import { countingEnv, SubrequestBudget, subrequestsOf } from "./subrequests";
import { type LaneItem, LaneWork } from "./work";

/** How long one alarm keeps dispatching before it hands over to the next (Durable Object alarms are bounded). */
const PUMP_BUDGET_MS = 20_000;
/** Due work looked at per round. */
const ROUND = 500;
/** How often a paused connection's lane looks whether it was resumed (resuming also wakes it at once). */
const PAUSE_RECHECK_MS = 5_000;
/** How long a delivery held by a paused route waits before it is looked at again. */
const ROUTE_PAUSE_RECHECK_MS = 30_000;
/** What the lane reports to the admin API. */
export interface LaneStatus {
  connection: string;
  breaker: BreakerState;
  waiting: number;
  running: number;
  nextDueAt?: number;
}

/**
 * One lane per Membrane connection, worldwide (a Durable Object named by the connection id). It owns the
 * connection's pace, batches, per-entity order and circuit breaker, and runs the connection's deliveries from
 * an alarm, so a paced, slow, failing or paused connection holds up its own work and nobody else's. Work
 * arrives from the deliveries queue (`enqueue`); retries wait here, not in the queue.
 */
export class ConnectionLane extends DurableObject<Env> {
  private readonly work: LaneWork;
  private breaker: BreakerState;
  /** Next free slot per pace rule key (epoch ms). */
  private readonly slots = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private pumping = false;
  /** Work arrived (or a resume) while a pump ran: the pump's last round may not have seen it. */
  private arrived = false;
  private connection = "";
  /** Whether the connection is paused, and until when that answer is trusted (one D1 read per second). */
  private pause: { paused: boolean; until: number } = { paused: false, until: 0 };
  /**
   * What finished calls change in the lane's storage, applied together at the next round. Each storage write
   * holds the Durable Object's outgoing requests until it is durable (output gate), so one write per finished
   * call would hold every other call in flight; finished work stays `running` meanwhile, so nothing re-runs it.
   */
  private readonly settled: Array<() => void> = [];
  private breakerChanged = false;
  /** The delivery sent as the half-open breaker's probe. */
  private probe: string | undefined;
  /** Deliveries whose probe failed since the breaker last closed: the next probe is another one (probeOrder). */
  private readonly failedProbes = new Set<string>();
  /**
   * Built once per instance: the delivery context (the parsed config, the Membrane client and its cached token)
   * and the running alarm's subrequests, which its bindings and calls count.
   */
  private prepared?: { ctx: DeliveryContext; budget: SubrequestBudget };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.work = new LaneWork(ctx.storage.sql);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const saved = this.readState<BreakerState>("breaker") ?? CLOSED;
    // A probe whose answer was lost with a restart is sent again.
    this.breaker = saved.state === "half_open" ? { ...saved, state: "open", probeAt: 0 } : saved;
    this.connection = this.readState<string>("connection") ?? "";
  }

  /** Takes deliveries to run; due ones start at once. */
  async enqueue(connection: string, items: readonly LaneItem[]): Promise<void> {
    if (connection !== this.connection) {
      this.connection = connection;
      this.writeState("connection", connection);
    }
    this.work.add(items);
    this.arrived = true;
    await this.wake(Math.min(...items.map((i) => i.dueAt)));
  }

  /** The connection or a route was resumed: look again now instead of at the next recheck. */
  async nudge(): Promise<void> {
    this.pause = { paused: false, until: 0 };
    this.work.releasePaused(Date.now());
    this.arrived = true;
    await this.wake(Date.now());
  }

  async status(): Promise<LaneStatus> {
    this.applySettled();
    const next = this.work.nextDue();
    return {
      connection: this.connection,
      breaker: this.breaker,
      ...this.work.counts(),
      ...(next !== undefined && { nextDueAt: next }),
    };
  }

  override async alarm(): Promise<void> {
    await this.pump();
  }

  /** Dispatches what may go now, for up to PUMP_BUDGET_MS, then sets the alarm for what comes next. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    let wakeAt: number | undefined;
    // Whether the last round found nothing it could start; otherwise the budget ran out with work left.
    let idle = false;
    try {
      const { ctx, budget } = this.prepare();
      const stopAt = Date.now() + PUMP_BUDGET_MS;
      budget.restart();
      // Past either budget, the next alarm (a new invocation, with its own subrequests) goes on.
      while (Date.now() < stopAt && !budget.exhausted) {
        this.arrived = false;
        const round = await this.startEligible(ctx, budget);
        wakeAt = round.wakeAt;
        if (this.inFlight.size === 0) {
          if (round.started === 0) {
            // Work that could not start for want of subrequests goes on in the next alarm, at once.
            idle = !budget.exhausted;
            break;
          }
          continue;
        }
        await this.waitForRoom(this.concurrency(ctx), round.wakeAt);
      }
      await Promise.all(this.inFlight);
    } catch (error) {
      log("error", "lane.pump_failed", { connection: this.connection, error: String(error) });
      wakeAt = Date.now() + 5_000;
      idle = true;
    } finally {
      this.pumping = false;
    }
    this.applySettled();
    const now = Date.now();
    if (!idle || this.arrived) {
      await this.wake(now);
      return;
    }
    // Work that is due but could not start waits for what the round named (a pause recheck, the breaker's
    // probe, a pace slot) or for work due later, which may be an older state it is ordered behind. Waking at
    // its own (past) due time instead would run the alarm in a loop, doing nothing, as long as it waits.
    const next = [wakeAt, this.work.nextDue(now)].filter((t): t is number => t !== undefined);
    if (next.length > 0) await this.wake(Math.min(...next));
  }

  /**
   * The lane's delivery context and subrequest budget, built once: its Membrane calls go out through the lane's relays, so the lane
   * has as many calls waiting for an answer as its concurrency, not the 6 of one object (relay/relay-pool.ts).
   */
  private prepare(): { ctx: DeliveryContext; budget: SubrequestBudget } {
    if (this.prepared) return this.prepared;
    const config = loadConfig(this.env);
    const pool = new RelayPool(relaysFor(laneConcurrency(config.delivery, this.connection)));
    // Each relayed call, D1 round trip and queue send is one subrequest of the running alarm.
    const budget = new SubrequestBudget(config.delivery.pump_subrequests);
    const count = () => budget.count();
    const fetch = relayedFetch(
      pool,
      (index) => {
        count();
        return relayOf(this.env, this.connection, index);
      },
      parseMembraneConfig(this.env).timeoutMs,
    );
    const env = countingEnv(this.env, count);
    const ctx = deliveryContext(env, { config, membrane: membraneClientFromEnv(env, { fetch }) });
    this.prepared = { ctx, budget };
    return this.prepared;
  }

  private concurrency(ctx: DeliveryContext): number {
    return laneConcurrency(ctx.config.delivery, this.connection);
  }

  /**
   * Waits until a quarter of the lane's concurrency is free again (or nothing runs), or until the next pace
   * slot: a round queries the lane's whole backlog, so one round per finished call would cost more than the
   * calls themselves once the backlog is long.
   */
  private async waitForRoom(concurrency: number, slotAt: number | undefined): Promise<void> {
    const room = Math.max(1, Math.floor(concurrency / 4));
    for (;;) {
      const slotWait = slotAt !== undefined && slotAt > Date.now() ? sleep(slotAt - Date.now()) : undefined;
      await Promise.race(slotWait ? [...this.inFlight, slotWait] : [...this.inFlight]);
      const slotDue = slotAt !== undefined && slotAt <= Date.now();
      if (this.inFlight.size === 0 || concurrency - this.inFlight.size >= room || slotDue) return;
    }
  }

  /** Starts every delivery that may go now; says when to look again for those that may not. */
  private async startEligible(
    ctx: DeliveryContext,
    budget: SubrequestBudget,
  ): Promise<{ started: number; wakeAt?: number }> {
    this.applySettled();
    const now = Date.now();
    // A paused connection's work waits here, unclaimed and with no attempt spent, until it is resumed.
    if (now >= this.pause.until) {
      const paused = (await getPause(ctx.env.DB, "connection", this.connection)) !== null;
      this.pause = { paused, until: now + 1_000 };
    }
    if (this.pause.paused) return { started: 0, wakeAt: now + PAUSE_RECHECK_MS };
    const gate = admission(this.breaker, now);
    if (gate.admit === "none") return { started: 0, ...(gate.until !== undefined && { wakeAt: gate.until }) };

    const concurrency = this.concurrency(ctx);
    let started = 0;
    let wakeAt: number | undefined;
    const later = (t: number) => {
      wakeAt = wakeAt === undefined ? t : Math.min(wakeAt, t);
    };
    // Older states that a newer one replaces are closed first, so they never hold the newer one up.
    const ordered = ctx.config.reactions.filter((r) => r.recipe.entity);
    const byMode = (mode: "supersede" | "serialize") =>
      ordered.filter((r) => (r.recipe.entityOrder ?? "supersede") === mode).map((r) => r.name);
    // Two D1 round trips each, within what the alarm has left.
    const room = budget.room(2);
    for (const item of this.work.superseded(byMode("supersede"), Math.min(ROUND, room)))
      await this.supersede(ctx, item);
    const ready = new Map<string, LaneItem[]>();
    const chosen = new Set<string>();
    for (const item of this.work.eligible(now, ROUND, byMode("serialize"))) {
      // One delivery per entity at a time, whichever reaction: the next one waits until this one is done.
      if (item.entity) {
        if (chosen.has(item.entity)) continue;
        chosen.add(item.entity);
      }
      const group = ready.get(item.reaction) ?? [];
      group.push(item);
      ready.set(item.reaction, group);
    }

    const order = gate.admit === "probe" ? probeOrder(ready, this.failedProbes) : ready;
    for (const [name, items] of order) {
      const reaction = ctx.config.reactions.find((r) => r.name === name);
      const pace = reaction?.recipe.pace;
      const batch = reaction?.recipe.batch;
      while (items.length > 0 && this.inFlight.size < concurrency) {
        const take = gate.admit === "probe" ? 1 : batch && reaction ? batch.limits(reaction.options).max : 1;
        const cost = subrequestsOf(reaction, Math.min(take, items.length));
        if (!budget.fits(cost)) return { started, ...(wakeAt !== undefined && { wakeAt }) };
        if (pace) {
          const slot = this.slots.get(pace.key) ?? 0;
          if (slot > now) {
            later(slot);
            break;
          }
          this.slots.set(pace.key, Math.max(now, slot) + paceInterval(pace));
        }
        budget.reserve(cost);
        const chosen = items.splice(0, take);
        if (gate.admit === "probe") {
          this.breaker = probing(this.breaker);
          this.probe = chosen[0]?.deliveryId;
        }
        this.start(ctx, reaction, chosen, () => budget.release(cost));
        started += chosen.length;
        if (gate.admit === "probe") return { started };
      }
    }
    return { started, ...(wakeAt !== undefined && { wakeAt }) };
  }

  /** Closes a delivery whose entity has a newer state waiting or already sent, without sending it. */
  private async supersede(ctx: DeliveryContext, item: LaneItem): Promise<void> {
    const reason = `superseded: a newer state of ${item.entity} is sent instead, so this older one is not sent after it`;
    await markSuperseded(ctx.env.DB, item.deliveryId, Date.now(), reason);
    await refreshEventStatus(ctx.env.DB, item.eventId);
    this.work.remove(item.deliveryId);
    log("info", "lane.superseded", { delivery_id: item.deliveryId, entity: item.entity });
  }

  private start(
    ctx: DeliveryContext,
    reaction: Reaction | undefined,
    items: LaneItem[],
    /** Frees what the budget reserved for it, once it ends. */
    ended: () => void,
  ): void {
    this.work.markRunning(items.map((i) => i.deliveryId));
    const run = async () => {
      const steps =
        reaction?.recipe.batch && items.length > 0
          ? await runBatch(
              ctx,
              reaction,
              items.map((i) => i.deliveryId),
              () => this.nextSlot(reaction.recipe.pace),
            )
          : new Map([
              [
                items[0]?.deliveryId ?? "",
                await runDelivery(ctx, { deliveryId: items[0]?.deliveryId ?? "" }),
              ],
            ]);
      for (const item of items) this.settle(item, steps.get(item.deliveryId));
    };
    const task: Promise<void> = run()
      .catch((error) => {
        // D1 or the call failed outside the engine's own handling: look at these again shortly.
        log("error", "lane.run_failed", { connection: this.connection, error: String(error) });
        for (const item of items) this.probeNotSent(item, Date.now());
        const at = Date.now() + 5_000;
        this.settled.push(() => {
          for (const item of items) this.work.reschedule(item.deliveryId, at);
        });
      })
      .finally(() => {
        ended();
        this.inFlight.delete(task);
      });
    this.inFlight.add(task);
  }

  /** Reserves the rule's next slot and waits for it (a batch narrowing down a rejected record). */
  private async nextSlot(pace: PaceRule | undefined): Promise<void> {
    if (!pace) return;
    const now = Date.now();
    const slot = Math.max(now, this.slots.get(pace.key) ?? 0);
    this.slots.set(pace.key, slot + paceInterval(pace));
    if (slot > now) await sleep(slot - now);
  }

  /** Moves a delivery on in the lane after its attempt (at the next round), and feeds the breaker (now). */
  private settle(item: LaneItem, step: DeliveryStep | undefined): void {
    const now = Date.now();
    const later = (write: (work: LaneWork) => void) => this.settled.push(() => write(this.work));
    if (step?.step !== "attempted" && step?.step !== "outcome_unknown") this.probeNotSent(item, now);
    if (!step) {
      later((work) => work.reschedule(item.deliveryId, now + 5_000));
      return;
    }
    switch (step.step) {
      case "not_due":
      case "held":
        later((work) => work.reschedule(item.deliveryId, step.until));
        return;
      case "attempted": {
        this.observe(
          item,
          step.outcome === "unknown" ? "transient" : step.outcome,
          step.reason ?? step.code ?? "",
          step.code,
        );
        const { nextAttemptAt } = step;
        if (step.status === "retrying" && nextAttemptAt !== undefined) {
          later((work) => work.reschedule(item.deliveryId, nextAttemptAt));
          return;
        }
        const applied = step.status === "succeeded";
        later((work) => {
          if (applied) work.markApplied(item);
          work.remove(item.deliveryId);
        });
        return;
      }
      case "outcome_unknown":
        this.observe(item, "transient", "an attempt's outcome is unknown", "outcome_unknown");
        later((work) => work.remove(item.deliveryId));
        return;
      case "paused":
        // Its connection or route was paused after it became due: it waits here (resuming wakes the lane).
        later((work) => work.holdPaused(item.deliveryId, now + ROUTE_PAUSE_RECHECK_MS));
        return;
      default:
        // gone or finished.
        later((work) => work.remove(item.deliveryId));
    }
  }

  /** Writes what finished calls changed, in one go (no await in between: one storage transaction). */
  private applySettled(): void {
    for (const write of this.settled.splice(0)) write();
    if (this.breakerChanged) {
      this.writeState("breaker", this.breaker);
      this.breakerChanged = false;
    }
  }

  /**
   * The half-open breaker's probe ended without an attempt (its delivery was gone, not due, held or paused):
   * another one goes as the probe. Otherwise nothing would ever close or reopen the breaker, and the
   * connection's work would wait for good.
   */
  private probeNotSent(item: LaneItem, now: number): void {
    if (this.breaker.state !== "half_open" || item.deliveryId !== this.probe) return;
    this.breaker = probeLost(this.breaker, now);
    this.breakerChanged = true;
  }

  private observe(item: LaneItem, outcome: AttemptKind, reason: string, code?: string): void {
    const config = loadConfig(this.env);
    const settings = config.delivery;
    const previous = this.breaker;
    const before = previous.state;
    // Kept in the lane's storage, which an erasure does not reach: a vendor's text may echo an address.
    this.breaker = afterAttempt(this.breaker, outcome, redactEmail(reason), Date.now(), {
      failures: settings.breaker_failures,
      cooldownMs: settings.breaker_cooldown_seconds * 1000,
    });
    if (this.breaker.state === "closed") this.failedProbes.clear();
    else if (before === "half_open" && item.deliveryId === this.probe) this.failedProbes.add(item.deliveryId);
    if (this.breaker.state !== before) {
      log(this.breaker.state === "open" ? "warn" : "info", "lane.breaker", {
        connection: this.connection,
        state: this.breaker.state,
        reason: this.breaker.state === "closed" ? undefined : reason,
      });
      this.alertBreaker(config.reactions, previous, code);
      // Opening or closing is written at once; a counter moving waits for the next round.
      this.writeState("breaker", this.breaker);
      return;
    }
    this.breakerChanged ||= JSON.stringify(previous) !== JSON.stringify(this.breaker);
  }

  private alertBreaker(reactions: readonly Reaction[], previous: BreakerState, code?: string): void {
    const alert = breakerAlert(this.connection, reactions, previous, this.breaker, code, Date.now());
    if (alert) this.ctx.waitUntil(emitAlert(this.env, reactions, alert));
  }

  private async wake(at: number): Promise<void> {
    const next = alarmToSet(await this.ctx.storage.getAlarm(), at, Date.now());
    if (next !== undefined) await this.ctx.storage.setAlarm(next);
  }

  private readState<T>(key: string): T | undefined {
    const row = this.ctx.storage.sql
      .exec<{ value: string }>("SELECT value FROM state WHERE key = ?", key)
      .toArray()[0];
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  private writeState(key: string, value: unknown): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      JSON.stringify(value),
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Slots 10 % wider than the vendor's limit: requests reach the vendor with some jitter, and a sliding window
 * counting exactly `limit` requests per period would answer 429 to one that arrives a little early.
 */
const paceInterval = (pace: PaceRule) => Math.ceil(slotInterval(pace) * 1.1);

/** The lane of a connection. */
export function laneOf(env: Pick<Env, "LANES">, connection: string): DurableObjectStub<ConnectionLane> {
  const lanes = env.LANES as DurableObjectNamespace<ConnectionLane>;
  return lanes.get(lanes.idFromName(connection));
}
