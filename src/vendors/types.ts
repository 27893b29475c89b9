import type { EventData, EventType } from "../events/types";

export type VendorName = "kooomo" | "ometria" | "coupontools";

/** A vendor payload mapped to a canonical event type and data. */
export type Recognized = {
  [T in EventType]: {
    recognized: true;
    type: T;
    data: EventData<T>;
    /** CloudEvents `subject`, e.g. `orders/1001` or `customers/42`. */
    subject?: string;
    /** When the vendor says the event happened (ISO 8601), if it says. */
    time?: string;
    vendorEventType: string;
    vendorEventId?: string;
  };
}[EventType];

/** Verified JSON the bridge cannot map: stored and answered 202, never reacted to. */
export interface Unrecognized {
  recognized: false;
  vendorEventType?: string;
  vendorEventId?: string;
  /** Why: unknown event name, or the zod issues (path: message) of a payload that does not fit. */
  problems: string[];
}

export type Normalized = Recognized | Unrecognized;

/** Maps one parsed vendor payload. Must not throw on any JSON value: return Unrecognized instead. */
export type Normalizer = (body: unknown) => Normalized;

export interface Vendor {
  name: VendorName;
  normalize: Normalizer;
}
