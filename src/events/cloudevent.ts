import { z } from "zod";
import { type EventData, type EventType, eventDataSchemas, UNRECOGNIZED } from "./types";

/** CloudEvents 1.0 JSON envelope attributes shared by every canonical event. */
const envelope = {
  specversion: z.literal("1.0"),
  id: z.string().min(1),
  /** `hookbridge/{route}`: which route received it. */
  source: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().optional(),
  datacontenttype: z.literal("application/json"),
  /** Extension attributes (lower-case alphanumerics, per the spec). */
  vendor: z.string(),
  vendoreventtype: z.string().optional(),
  vendoreventid: z.string().optional(),
};

/** The top-level fields of every canonical event, `data` aside (for checking operators' expressions). */
export const envelopeKeys = [...Object.keys(envelope), "type"] as const;

const recognizedEvent = z.discriminatedUnion(
  "type",
  Object.entries(eventDataSchemas).map(([type, data]) =>
    z.strictObject({ ...envelope, type: z.literal(type as EventType), data }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

export const unrecognizedEvent = z.strictObject({
  ...envelope,
  type: z.literal(UNRECOGNIZED),
  data: z.strictObject({ problems: z.array(z.string()) }),
});

export type CanonicalEvent<T extends EventType = EventType> = {
  [K in T]: Omit<z.infer<typeof unrecognizedEvent>, "type" | "data"> & { type: K; data: EventData<K> };
}[T];
export type UnrecognizedEvent = z.infer<typeof unrecognizedEvent>;
export type StoredEvent = CanonicalEvent | UnrecognizedEvent;

export const storedEvent = z.union([recognizedEvent, unrecognizedEvent]) as unknown as z.ZodType<StoredEvent>;

export function isRecognized(event: StoredEvent): event is CanonicalEvent {
  return event.type !== UNRECOGNIZED;
}
