import { type BridgeConfig, loadConfig } from "../config";
import { type ErasureSettings, loadErasureSettings } from "../config/retention";
import { deadDeliveryAlert, emitAlert, listensToAlerts } from "../delivery/alerts";
import type { Env } from "../env";
import { erasureData } from "../events/types";
import { keyedHash } from "../lib/crypto";
import { log } from "../lib/log";
import { sendMessages } from "../queue/send";
import type { EventStatus } from "../store/events";
import { refreshEventStatuses, setEventStatus } from "../store/events";
import {
  ERASED_BEFORE_SENT,
  type EventRedaction,
  findPersonEvents,
  listErasuresToRedact,
  markErasureUnreadable,
  markRedactionAttempted,
  type PendingErasure,
  type PersonEventRow,
  releaseHeldDeliveries,
  writeRedactions,
} from "../store/redaction";
import { readStoredEvent } from "../store/stored-event";
import { forgetPerson } from "../store/vendor-users";
import { emailHash, redactedDedupeKey, redactionSalt } from "./email-hash";
import { type ErasedPerson, redactEvent } from "./redact-event";

/** Bounds on one cron run; what is left is picked up by the next run, a minute later. */
const ERASURES_PER_RUN = 5;
const EVENTS_PER_ERASURE = 100;

/** Held deliveries released per cron run (their hard bound passed). */
const RELEASES_PER_RUN = 100;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * Events of the person still being delivered are left to finish first, so no recipe is handed a redacted
 * event, but only until the erasure's deadline (received + RETENTION.erasure_grace_minutes): the bridge's
 * own storage never waits longer on a vendor.
 */
const IN_PROGRESS: ReadonlySet<EventStatus> = new Set(["accepted", "queued", "processing"]);

/**
 * An erasure request whose data cannot be read is marked (status_reason) and tried again this long after,
 * not every minute: its stored event never changes, so only a deployed fix of the reader can make it readable.
 */
const UNREADABLE_RETRY_MS = 24 * 3_600_000;

export interface ErasureRun {
  /** Erasure requests looked at. */
  erasures: number;
  /** Of those, the ones now fully carried out (the erasure event itself redacted). */
  completed: number;
  /** Events redacted. */
  events: number;
}

/**
 * Cron: carries out erasure requests once their reactions all succeeded, or at the latest once
 * RETENTION.erasure_grace_minutes have passed since they were received, whatever the vendors answered. Every
 * stored event of the person (found by e-mail, by customer id on the erasure's vendor, or by the address in a
 * raw body) loses its raw delivery, the e-mail and names in its canonical data, its free-text reasons and its
 * attempts' excerpts. The erasure request's own deliveries still to send (the vendor deletion) keep the
 * request's event, which holds only the address, until they succeed or die, at most erasure_hold_hours.
 * The erasure event goes last, so a run that stops early (bounds, events still in progress) is simply
 * continued by a later one; requests are taken least recently tried first, so those still waiting take turns
 * with the rest.
 */
export async function redactCompletedErasures(env: Env, now: number): Promise<ErasureRun> {
  const settings = loadErasureSettings(env.RETENTION);
  const run: ErasureRun = { erasures: 0, completed: 0, events: 0 };
  await releaseExpiredHolds(env, settings, now);
  const graceMs = settings.erasure_grace_minutes * MINUTE_MS;
  const pending = await listErasuresToRedact(
    env.DB,
    ERASURES_PER_RUN,
    now - UNREADABLE_RETRY_MS,
    now - graceMs,
  );
  if (pending.length === 0) return run;
  const salt = redactionSalt(env);
  await markRedactionAttempted(
    env.DB,
    pending.map((erasure) => erasure.id),
    now,
  );
  for (const erasure of pending) {
    const deadline = erasure.received_at + graceMs;
    const result = await redactErasure(env.DB, salt, erasure, now, {
      deadline,
      unplannedUntil: deadline + settings.erasure_hold_hours * HOUR_MS,
    });
    run.erasures += 1;
    run.events += result.events;
    if (result.completed) run.completed += 1;
    if (result.completed || result.unreadable) await alertErasure(env, erasure.id, result);
  }
  return run;
}

/** The hard bound on an address held for a vendor deletion: past it the delivery dies, visibly. */
async function releaseExpiredHolds(env: Env, settings: ErasureSettings, now: number): Promise<void> {
  const released = await releaseHeldDeliveries(
    env.DB,
    now - settings.erasure_hold_hours * HOUR_MS,
    now,
    RELEASES_PER_RUN,
  );
  const died = released.filter((d) => d.died === 1);
  if (died.length === 0) return;
  await sendMessages(
    env.DEAD_LETTERS,
    died.map((d) => ({
      kind: "dead_delivery" as const,
      deliveryId: d.id,
      eventId: d.event_id,
      reaction: d.reaction,
      code: "erased_locally",
      reason: ERASED_BEFORE_SENT,
    })),
  );
  await refreshEventStatuses(env.DB, [...new Set(died.map((d) => d.event_id))]);
  log("warn", "erasure.hold_expired", { deliveries: died.map((d) => d.id) });
  const reactions = reactionsOrNone(env);
  for (const d of died) {
    const reaction = reactions.find((r) => r.name === d.reaction);
    if (reaction && listensToAlerts(reaction)) continue;
    await emitAlert(env, reactions, deadDeliveryAlert(d, "erased_locally", d.attempts), now);
  }
}

/**
 * hookbridge.erasure_completed, or _stuck when the request cannot be read (it will not progress without a
 * fixed reader). Only the erasure's event id and counts: never whom it erases.
 */
/** The configured reactions, or none when the config cannot be read: that is the cron's to report. */
function reactionsOrNone(env: Env): BridgeConfig["reactions"] {
  try {
    return loadConfig(env).reactions;
  } catch (error) {
    log("error", "alert.failed", { error: String(error) });
    return [];
  }
}

function alertErasure(env: Env, erasureId: string, result: { events: number; completed: boolean }) {
  return emitAlert(env, reactionsOrNone(env), {
    ...(result.completed
      ? { type: "hookbridge.erasure_completed" as const, key: erasureId }
      : { type: "hookbridge.erasure_stuck" as const, key: `${erasureId}:unreadable` }),
    subject: erasureId,
    data: {
      erasure_event_id: erasureId,
      events_redacted: result.events,
      ...(!result.completed && { code: "erasure_unreadable" }),
    },
  });
}

async function redactErasure(
  db: D1Database,
  salt: string,
  erasure: PendingErasure,
  now: number,
  bounds: { deadline: number; unplannedUntil: number },
): Promise<{ events: number; completed: boolean; unreadable?: true }> {
  const stored = readStoredEvent(erasure.event_json);
  const data = erasureData.safeParse(stored.data);
  if (!data.success) {
    // Ingress validated it, so only a reader changed since can get here; say so rather than guess whom to erase.
    const issues = data.error.issues.map((issue) => `${issue.path.join(".") || "data"} ${issue.code}`);
    await markErasureUnreadable(db, erasure.id, `${issues.join(", ")}; tried again daily`);
    log("error", "erasure.unreadable", { event_id: erasure.id, issues });
    return { events: 0, completed: false, unreadable: true };
  }
  const person: ErasedPerson = { email: data.data.email, salt };
  const rows = await findPersonEvents(
    db,
    { email: data.data.email, vendor: erasure.vendor, customerId: data.data.customer_id },
    erasure.id,
    EVENTS_PER_ERASURE,
  );

  const others = rows.filter((row) => row.id !== erasure.id);
  const waiting = now < bounds.deadline ? others.filter((row) => IN_PROGRESS.has(row.status)) : [];
  // Its deletion is planned from its own event: while planning has not happened yet (a queue backlog), that
  // event keeps the address, at most as long as a held deletion would; everything else is redacted already.
  const unplanned = erasure.status === "accepted" || erasure.status === "queued";
  const ready = others.filter((row) => !waiting.includes(row));
  const completed =
    rows.length < EVENTS_PER_ERASURE && waiting.length === 0 && (!unplanned || now >= bounds.unplannedUntil);

  const hash = await emailHash(salt, person.email);
  const redactions = await Promise.all(ready.map((row) => redaction(row, person, hash)));
  if (completed) {
    const own = await redaction({ ...erasure, email: person.email, owned: 1 }, person, hash);
    // Its deletion delivery may still have to send the address; it alone keeps the request as received.
    redactions.push({ ...own, heldEventJson: erasure.event_json });
  }
  await writeRedactions(db, redactions, now);
  // Which vendor users the person was: forgotten once none of their deliveries can still remember them.
  if (completed) await forgetPerson(db, hash);
  if (completed && unplanned) await setEventStatus(db, erasure.id, "failed", ERASED_BEFORE_SENT);

  if (redactions.length > 0) {
    log("info", "erasure.redacted", {
      event_id: erasure.id,
      events: redactions.length,
      waiting: waiting.length,
      completed,
    });
  }
  return { events: redactions.length, completed };
}

async function redaction(
  row: Pick<PersonEventRow, "id" | "dedupe_key" | "dedupe_hash" | "email" | "event_json" | "owned">,
  person: ErasedPerson,
  hash: string,
): Promise<EventRedaction> {
  const owned = row.owned === 1;
  // A vendor's delivery id or a subject may embed the address (an Ometria template once did): the person's,
  // or for their own event the address it holds, which may be an older one.
  const addresses = owned && row.email !== null ? [person.email, row.email] : [person.email];
  const event = (await redactEvent(readStoredEvent(row.event_json), person, owned, addresses)) as {
    subject?: unknown;
  };
  const key = row.dedupe_key.toLowerCase();
  const namesPerson = addresses.some((address) => key.includes(address.toLowerCase()));
  return {
    id: row.id,
    eventJson: JSON.stringify(event),
    // The subject column is the CloudEvent's subject (`customers/<id>`, where an id may be the address).
    subject: typeof event.subject === "string" ? event.subject : null,
    emailHash: owned ? hash : null,
    dedupeKey: namesPerson ? await redactedDedupeKey(person.salt, row.dedupe_key) : null,
    dedupeHash: row.dedupe_hash ?? (await keyedHash(person.salt, row.dedupe_key)),
    heldEventJson: null,
  };
}
