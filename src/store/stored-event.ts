import { z } from "zod";
import type { StoredEvent } from "../events/cloudevent";

/**
 * What every stored `event_json` must be. The canonical data was validated before it was stored and is not
 * validated again: erasure replaces addresses with keyed hashes that the canonical schemas would refuse.
 */
const storedEnvelope = z.looseObject({
  specversion: z.literal("1.0"),
  id: z.string().min(1),
  type: z.string().min(1),
  data: z.unknown(),
});

/** The one reader of `events.event_json`: parses it and checks the envelope instead of trusting a cast. */
export function readStoredEvent(json: string): StoredEvent {
  const parsed = storedEnvelope.safeParse(JSON.parse(json));
  if (!parsed.success) {
    throw new Error(`stored event_json is not a canonical event: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data as unknown as StoredEvent;
}
