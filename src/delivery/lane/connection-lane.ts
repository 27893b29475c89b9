import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../../config";
import { laneConcurrency } from "../../config/delivery";
import type { Reaction } from "../../config/reactions";
import type { Env } from "../../env";
import { log } from "../../lib/log";
import type { CallOutcome } from "../../membrane/outcome";
import type { PaceRule } from "../../pacing/pacer";
import { getPause } from "../../store/pauses";
import type { Claim } from "../attempt/claim-together";
import type { DeliveryStep } from "../attempt/step";
import type { DeliveryContext } from "../context";
import { alarmToSet, earliest } from "./alarm";
import { type AlarmStats, noAlarms, noteAlarm } from "./alarm-budget";
import { asOf } from "./breaker";
import { announce } from "./health-news";
import { type PreparedLane, prepareLane } from "./lane-context";
import { LaneHealth } from "./lane-health";
import { LaneState } from "./lane-state";
import { pullForward } from "./recovery";
import { sleep, waitForRoom } from "./room";
import { paceInterval, planRound, roundReaction } from "./round";
import { closeSuperseded, runUnit } from "./run-unit";
import { settlement } from "./settle";
import type { LaneStatus } from "./status";
import { type LaneItem, LaneWork } from "./work";

/** How long one alarm keeps dispatching before it hands over to the next (Durable Object alarms are bounded). */
const PUMP_BUDGET_MS = 20_000;
/** Due work looked at per round. */
const ROUND = 500;
/** How often a paused connection's lane looks whether it was resumed (resuming also wakes it at once). */
const PAUSE_RECHECK_MS = 5_000;
/**
 * One lane per Membrane connection, worldwide (a Durable Object named by the connection id). It owns the
 * connection's pace, batches, per-entity order and circuit breaker, and runs the connection's deliveries from
 * an alarm, so a paced, slow, failing or paused connection holds up its own work and nobody else's. Work
 * arrives from the deliveries queue (`enqueue`); retries wait here, not in the queue.
 */
export class ConnectionLane extends DurableObject<Env> {
  private readonly work: LaneWork;
  private readonly state: LaneState;
  private readonly health: LaneHealth;
  private slots: ReadonlyMap<string, number> = new Map<string, number>(); // next free slot per pace rule key
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
  /** Built once per instance (lane-context.ts): the delivery context, the alarm's budget, the joint claims. */
  private prepared?: PreparedLane;
  /** What this object's alarms spent (kept in memory: an operator's view, not state). */
  private alarms: AlarmStats = noAlarms();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.work = new LaneWork(ctx.storage.sql);
    this.state = new LaneState(ctx.storage.sql);
    this.health = new LaneHealth(this.state, (news) => {
      const sent = announce(this.env, this.connection, news);
      if (sent) this.ctx.waitUntil(sent);
    });
    this.connection = this.state.read<string>("connection") ?? "";
  }

  /** Takes deliveries to run; due ones start at once. */
  async enqueue(connection: string, items: readonly LaneItem[]): Promise<void> {
    if (connection !== this.connection) {
      this.connection = connection;
      this.state.write("connection", connection);
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
    this.health.resumed();
    await this.wake(Date.now());
  }

  async status(): Promise<LaneStatus> {
    this.applySettled();
    const next = this.work.nextDue();
    const { delivery } = loadConfig(this.env);
    return {
      connection: this.connection,
      breaker: asOf(this.health.state, Date.now(), delivery.breaker_window_seconds * 1000),
      ...this.work.counts(),
      ...(next !== undefined && { nextDueAt: next }),
      alarms: this.alarms,
      concurrency: this.concurrency(delivery),
      ...(this.health.openIncident && { incident: this.health.openIncident }),
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
      this.prepared ??= prepareLane(this.env, this.connection, (outcome) => this.onCall(outcome));
      const { ctx, budget } = this.prepared;
      const stopAt = Date.now() + PUMP_BUDGET_MS;
      budget.restart();
      // Past either budget, the next alarm (a new invocation, with its own subrequests and queries) goes on.
      while (Date.now() < stopAt && !budget.exhausted) {
        this.arrived = false;
        const round = await this.startEligible(this.prepared);
        wakeAt = round.wakeAt;
        if (this.inFlight.size === 0) {
          if (round.started === 0) {
            // Work that could not start for want of subrequests goes on in the next alarm, at once.
            idle = !budget.exhausted;
            break;
          }
          continue;
        }
        // A unit short of budget only because of what running units reserved goes as soon as one ends.
        const room = round.waitForRunning ? 1 : undefined;
        await waitForRoom(this.inFlight, this.concurrency(ctx.config.delivery), round.wakeAt, room);
      }
      // Out of budget: the next alarm starts now beside what still runs (AlarmBudget.restart), not after it.
      if (budget.exhausted) this.ctx.waitUntil(Promise.all(this.inFlight));
      else await Promise.all(this.inFlight);
      this.alarms = noteAlarm(this.alarms, budget);
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

  private concurrency(delivery: DeliveryContext["config"]["delivery"]): number {
    return this.health.concurrency(laneConcurrency(delivery, this.connection));
  }

  /** Starts every delivery that may go now; says when to look again for those that may not. */
  private async startEligible(
    lane: PreparedLane,
  ): Promise<{ started: number; wakeAt?: number; waitForRunning?: boolean }> {
    const { ctx, budget } = lane;
    this.applySettled();
    const now = Date.now();
    // A paused connection's work waits here, unclaimed and with no attempt spent, until it is resumed.
    if (now >= this.pause.until) {
      const paused = (await getPause(ctx.env.DB, "connection", this.connection)) !== null;
      this.pause = { paused, until: now + 1_000 };
    }
    if (this.pause.paused) return { started: 0, wakeAt: now + PAUSE_RECHECK_MS };
    const { delivery } = ctx.config;
    const incidentEnds = this.health.settleIncident(now, delivery.incident_quiet_seconds * 1000);
    if (this.health.takeRecovered()) await pullForward(ctx, this.work, this.connection, now);
    const gate = this.health.admission(now);
    if (gate.admit === "none") {
      this.health.holding(this.work.counts().waiting);
      return { started: 0, ...earliest(gate.until, incidentEnds) };
    }

    // Older states that a newer one replaces are closed first, so they never hold the newer one up.
    const ordered = ctx.config.reactions.filter((r) => r.recipe.entity);
    const byMode = (mode: "supersede" | "serialize") =>
      ordered.filter((r) => (r.recipe.entityOrder ?? "supersede") === mode).map((r) => r.name);
    const room = budget.room({ subrequests: 2, queries: 2 }); // two D1 round trips per delivery closed
    await closeSuperseded(ctx, this.work, byMode("supersede"), Math.min(ROUND, room));
    const concurrency = this.concurrency(delivery);
    const plan = planRound({
      now,
      eligible: this.work.eligible(now, ROUND, byMode("serialize")),
      gate,
      failedProbes: this.health.failedProbes,
      reaction: (name) => roundReaction(ctx.config.reactions.find((r) => r.name === name)),
      slots: this.slots,
      free: concurrency - this.inFlight.size,
      budget: budget.snapshot(),
    });
    this.slots = plan.slots;
    if (plan.outOfBudget) budget.ranOutOf(plan.shortOf ?? "subrequests");
    if (plan.probe !== undefined) this.health.probing(plan.probe);
    let started = 0;
    for (const unit of plan.start) {
      const held = budget.reserve(unit.cost);
      this.start(
        lane.forUnit(held),
        ctx.config.reactions.find((r) => r.name === unit.reaction),
        unit.items,
        lane.claim,
        () => held.end(),
      );
      started += unit.items.length;
    }
    return {
      started,
      ...earliest(plan.wakeAt, incidentEnds),
      ...(plan.waitForRunning && { waitForRunning: true }),
    };
  }

  private start(
    ctx: DeliveryContext,
    reaction: Reaction | undefined,
    items: LaneItem[],
    claim: Claim,
    /** Frees what the budget reserved for it, once it ends. */
    ended: () => void,
  ): void {
    this.work.markRunning(items.map((i) => i.deliveryId));
    const run = async () => {
      const steps = await runUnit(ctx, reaction, items, () => this.nextSlot(reaction?.pace), claim);
      for (const item of items) this.settle(item, steps.get(item.deliveryId));
    };
    const task: Promise<void> = run()
      .catch((error) => {
        // D1 or the call failed outside the engine's own handling: look at these again shortly.
        log("error", "lane.run_failed", { connection: this.connection, error: String(error) });
        for (const item of items) this.health.ended(item.deliveryId);
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
    this.slots = new Map(this.slots).set(pace.key, slot + paceInterval(pace));
    if (slot > now) await sleep(slot - now);
  }

  /** Moves a delivery on in the lane after its attempt (at the next round); its calls fed the breaker. */
  private settle(item: LaneItem, step: DeliveryStep | undefined): void {
    const write = settlement(item, step, Date.now());
    this.health.ended(item.deliveryId);
    this.settled.push(() => write(this.work));
  }

  /** Writes what finished calls changed, in one go (no await in between: one storage transaction). */
  private applySettled(): void {
    for (const write of this.settled.splice(0)) write();
    this.health.flush();
  }

  /** One Membrane call of this lane ended: the breaker and the concurrency learn from it. */
  private onCall(outcome: CallOutcome): void {
    const delivery = this.prepared?.ctx.config.delivery ?? loadConfig(this.env).delivery;
    this.health.observe(outcome, Date.now(), delivery, laneConcurrency(delivery, this.connection));
  }

  private async wake(at: number): Promise<void> {
    const next = alarmToSet(await this.ctx.storage.getAlarm(), at, Date.now());
    if (next !== undefined) await this.ctx.storage.setAlarm(next);
  }
}

/** The lane of a connection. */
export function laneOf(env: Pick<Env, "LANES">, connection: string): DurableObjectStub<ConnectionLane> {
  const lanes = env.LANES as DurableObjectNamespace<ConnectionLane>;
  return lanes.get(lanes.idFromName(connection));
}
