import type { Env } from "../env";
import { erasureData } from "../events/types";
import { log } from "../lib/log";
import type { EventStatus } from "../store/events";
import {
  type EventRedaction,
  findPersonEvents,
  listErasuresToRedact,
  markErasureUnreadable,
  markRedactionAttempted,
  type PendingErasure,
  type PersonEventRow,
  writeRedactions,
} from "../store/redaction";
import { readStoredEvent } from "../store/stored-event";
import { emailHash, redactedDedupeKey, redactionSalt } from "./email-hash";
import { type ErasedPerson, redactEvent } from "./redact-event";

/** Bounds on one cron run; what is left is picked up by the next run, a minute later. */
const ERASURES_PER_RUN = 5;
const EVENTS_PER_ERASURE = 100;

/**
 * Events of the person still being delivered are left to finish first, so no recipe is handed a redacted
 * event; one still stuck after this long (e.g. its queue message was dead-lettered) is redacted anyway.
 */
const IN_PROGRESS_WAIT_MS = 24 * 3_600_000;
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
 * Cron: carries out erasure requests whose reactions all succeeded. Every stored event of the person (found by
 * e-mail, by customer id on the erasure's vendor, or by the address in a raw body) loses its raw delivery, the
 * e-mail and names in its canonical data, and its attempts' excerpts. The erasure event goes last, so a run
 * that stops early (bounds, events still in progress) is simply continued by a later one; requests are taken
 * least recently tried first, so those still waiting take turns with the rest.
 */
export async function redactCompletedErasures(env: Env, now: number): Promise<ErasureRun> {
  const run: ErasureRun = { erasures: 0, completed: 0, events: 0 };
  const pending = await listErasuresToRedact(env.DB, ERASURES_PER_RUN, now - UNREADABLE_RETRY_MS);
  if (pending.length === 0) return run;
  const salt = redactionSalt(env);
  await markRedactionAttempted(
    env.DB,
    pending.map((erasure) => erasure.id),
    now,
  );
  for (const erasure of pending) {
    const result = await redactErasure(env.DB, salt, erasure, now);
    run.erasures += 1;
    run.events += result.events;
    if (result.completed) run.completed += 1;
  }
  return run;
}

async function redactErasure(
  db: D1Database,
  salt: string,
  erasure: PendingErasure,
  now: number,
): Promise<{ events: number; completed: boolean }> {
  const stored = readStoredEvent(erasure.event_json);
  const data = erasureData.safeParse(stored.data);
  if (!data.success) {
    // Ingress validated it, so only a reader changed since can get here; say so rather than guess whom to erase.
    const issues = data.error.issues.map((issue) => `${issue.path.join(".") || "data"} ${issue.code}`);
    await markErasureUnreadable(db, erasure.id, `${issues.join(", ")}; tried again daily`);
    log("error", "erasure.unreadable", { event_id: erasure.id, issues });
    return { events: 0, completed: false };
  }
  const person: ErasedPerson = { email: data.data.email, salt };
  const rows = await findPersonEvents(
    db,
    { email: data.data.email, vendor: erasure.vendor, customerId: data.data.customer_id },
    erasure.id,
    EVENTS_PER_ERASURE,
  );

  const others = rows.filter((row) => row.id !== erasure.id);
  const waiting = others.filter(
    (row) => IN_PROGRESS.has(row.status) && row.received_at > now - IN_PROGRESS_WAIT_MS,
  );
  const ready = others.filter((row) => !waiting.includes(row));
  const completed = rows.length < EVENTS_PER_ERASURE && waiting.length === 0;

  const hash = await emailHash(salt, person.email);
  const redactions = await Promise.all(ready.map((row) => redaction(row, person, hash)));
  if (completed) {
    redactions.push(await redaction({ ...erasure, email: person.email, owned: 1 }, person, hash));
  }
  await writeRedactions(db, redactions, now);

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
  row: Pick<PersonEventRow, "id" | "dedupe_key" | "email" | "event_json" | "owned">,
  person: ErasedPerson,
  hash: string,
): Promise<EventRedaction> {
  const owned = row.owned === 1;
  const event = await redactEvent(readStoredEvent(row.event_json), person, owned);
  // A vendor's delivery id may embed the address (an Ometria template once did): the person's, or for their
  // own event the address it holds, which may be an older one.
  const addresses = owned && row.email !== null ? [person.email, row.email] : [person.email];
  const key = row.dedupe_key.toLowerCase();
  const namesPerson = addresses.some((address) => key.includes(address.toLowerCase()));
  return {
    id: row.id,
    eventJson: JSON.stringify(event),
    emailHash: owned ? hash : null,
    dedupeKey: namesPerson ? await redactedDedupeKey(person.salt, row.dedupe_key) : null,
  };
}
