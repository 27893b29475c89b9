/**
 * Keys whose values identify a person, in canonical data (`email`, `first_name`...) and in vendors' raw
 * payloads (`firstname`, `street`, `phone`, `billing_address`...): a vendor's error answer may echo them.
 * Broad on purpose (a product `name` matches too): masking too much in a dead letter costs little.
 */
const PERSONAL_KEY = /mail|name|phone|mobile|street|address|city|zip|post|birth/i;
/** Values shorter than this are not masked: a one-letter name would mask half of every message. */
const MIN_LENGTH = 2;
const MASK = "***";

/**
 * The personal strings of a parsed event or raw payload: every string under a personal key (an object or
 * array under one counts whole), wherever it sits.
 */
export function personalValues(event: unknown): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, personal: boolean) => {
    if (typeof value === "string") {
      if (personal && value.trim().length >= MIN_LENGTH) found.add(value.trim());
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, personal);
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, personal || PERSONAL_KEY.test(k));
    }
  };
  walk(event, false);
  return [...found];
}

/** `text` with every occurrence of the values, in any case, replaced by a mask. Longest first, so parts stay covered. */
export function maskValues(text: string, values: readonly string[]): string {
  let masked = text;
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    masked = masked.replace(new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), MASK);
  }
  return masked;
}

/** The e-mail address an event is about (`data.email`, else `data.customer.email`), if it names one. */
export function eventEmail(event: { data: unknown }): string | undefined {
  const data = event.data as { email?: unknown; customer?: { email?: unknown } } | null;
  const email = data?.email ?? data?.customer?.email;
  return typeof email === "string" && email !== "" ? email : undefined;
}
