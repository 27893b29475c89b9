import { type BridgeConfig, loadConfig } from "../../config";
import { laneOf } from "../../delivery/lane/connection-lane";
import type { Env } from "../../env";
import { NotFoundError } from "../../errors";
import { addPause, listReleased, type PauseKind, type PauseRow, removePause } from "../../store/pauses";
import { sendDeliveryMessages } from "./requeue";

/** Deliveries re-sent at once on resume; the cron sweep re-sends any beyond this. */
export const RESUME_BATCH = 500;

/** Names that can be paused: configured routes, and the Membrane connections reactions call through. */
export function pausableNames(config: BridgeConfig, kind: PauseKind): string[] {
  return kind === "route"
    ? Object.keys(config.routes)
    : [...new Set(config.reactions.map((r) => r.connection))].sort();
}

/**
 * Pauses a route's or a connection's reactions. Nothing is dropped: ingress still accepts the route's
 * webhooks and deliveries are still planned; the engine leaves them pending until the pause is lifted.
 */
export async function pause(
  env: Env,
  config: BridgeConfig,
  kind: PauseKind,
  name: string,
  now: number,
): Promise<{ pause: PauseRow; created: boolean }> {
  if (!pausableNames(config, kind).includes(name)) {
    throw new NotFoundError(`${kind}_not_found`, `No ${kind} named "${name}" in the configuration.`);
  }
  return addPause(env.DB, kind, name, now);
}

/** Lifts a pause and queues the deliveries that waited for it (those not held by another pause). */
export async function resume(
  env: Env,
  kind: PauseKind,
  name: string,
): Promise<{ pause: PauseRow; requeued: number; more: boolean }> {
  const removed = await removePause(env.DB, kind, name);
  if (!removed) throw new NotFoundError("pause_not_found", `The ${kind} "${name}" is not paused.`);
  const ids = await listReleased(env.DB, kind, name, RESUME_BATCH + 1);
  const released = ids.slice(0, RESUME_BATCH);
  await sendDeliveryMessages(env, released);
  // The lanes hold what waited for the pause: wake them (a route's deliveries may sit in any lane).
  const lanes = kind === "connection" ? [name] : pausableNames(loadConfig(env), "connection");
  await Promise.all(lanes.map((connection) => laneOf(env, connection).nudge()));
  return { pause: removed, requeued: released.length, more: ids.length > RESUME_BATCH };
}
