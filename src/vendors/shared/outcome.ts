import type { z } from "zod";
import { type EventData, type EventType, eventDataSchemas } from "../../events/types";
import { describeIssues as describeZodIssues } from "../../lib/zod-issues";
import type { Normalized, Normalizer, Recognized, Unrecognized } from "../types";

/** What a vendor's envelope says about a delivery, whatever its payload. */
export interface EnvelopeMeta {
  vendorEventType: string;
  vendorEventId?: string;
  /** When the vendor says the event happened, ISO 8601. */
  time?: string;
}

/** Payload problems as "data.items[0].price: message", with `at` prepended; "body" for the whole body. */
export function describeIssues(error: z.ZodError, at: readonly PropertyKey[] = []): string[] {
  return describeZodIssues(error, { at, whole: "body", brackets: true });
}

export function unrecognized(meta: Partial<EnvelopeMeta>, problems: string[]): Unrecognized {
  return {
    recognized: false,
    ...(meta.vendorEventType === undefined ? {} : { vendorEventType: meta.vendorEventType }),
    ...(meta.vendorEventId === undefined ? {} : { vendorEventId: meta.vendorEventId }),
    problems,
  };
}

/**
 * Validates mapped data against the canonical schema before calling it recognized, so a mapping bug can
 * never hand a reaction data that breaks the event contract.
 */
export function recognized<T extends EventType>(
  type: T,
  data: EventData<T>,
  meta: EnvelopeMeta & { subject?: string },
): Normalized {
  // Canonical data is stored as JSON: drop undefined keys now so what we return is what gets stored.
  const checked = eventDataSchemas[type].safeParse(JSON.parse(JSON.stringify(data)));
  if (!checked.success) {
    return unrecognized(
      meta,
      describeIssues(checked.error).map((problem) => `canonical ${type} ${problem}`),
    );
  }
  // TypeScript cannot tie the generic T to one member of the Recognized union; the parse above did.
  return { recognized: true, type, data: checked.data, ...withoutUndefined(meta) } as Recognized;
}

/**
 * Parses one event's payload with the vendor schema (issues reported under `at`, e.g. `data`), maps it to
 * canonical data and validates that.
 */
export function normalizePayload<S extends z.ZodType, T extends EventType>(options: {
  type: T;
  schema: S;
  payload: unknown;
  at: readonly PropertyKey[];
  meta: EnvelopeMeta;
  map: (parsed: z.output<S>) => { data: EventData<T>; subject?: string };
}): Normalized {
  const parsed = options.schema.safeParse(options.payload);
  if (!parsed.success) return unrecognized(options.meta, describeIssues(parsed.error, options.at));
  const { data, subject } = options.map(parsed.data);
  return recognized(options.type, data, { ...options.meta, ...(subject === undefined ? {} : { subject }) });
}

/**
 * The ingress relies on normalizers never throwing (a verified delivery is always stored). The schemas
 * are meant to make throwing impossible; this is the backstop if a mapping still does.
 */
export function neverThrows(normalize: Normalizer): Normalizer {
  return (body) => {
    try {
      return normalize(body);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { recognized: false, problems: [`normalizer failed: ${reason}`] };
    }
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Maps one event's payload, given what the envelope said. */
export type EventHandler = (payload: unknown, meta: EnvelopeMeta) => Normalized;

/**
 * The normalizer every vendor shares: parse the envelope, look up the handler for the event name it
 * carries, and report an unknown name or a broken envelope as unrecognized. `read` picks the name, the
 * payload and the metadata out of the vendor's own envelope shape.
 */
export function envelopeNormalizer<E>(options: {
  envelope: z.ZodType<E>;
  read: (envelope: E) => { name: string; payload: unknown; meta: EnvelopeMeta };
  handlers: ReadonlyMap<string, EventHandler>;
  unknownName: (name: string) => string;
}): Normalizer {
  return neverThrows((body) => {
    const envelope = options.envelope.safeParse(body);
    if (!envelope.success) return unrecognized({}, describeIssues(envelope.error));
    const { name, payload, meta } = options.read(envelope.data);
    const handler = options.handlers.get(name);
    if (!handler) return unrecognized(meta, [options.unknownName(name)]);
    return handler(payload, meta);
  });
}
