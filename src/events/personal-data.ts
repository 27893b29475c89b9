/**
 * Keys of canonical event data (src/events/types.ts) whose values identify a person: whatever a recipe sent
 * from them a vendor may echo in an error answer.
 */
const PERSONAL_KEYS = new Set(["email", "first_name", "last_name"]);
/** Values shorter than this are not masked: a one-letter name would mask half of every message. */
const MIN_LENGTH = 2;
const MASK = "***";

/** The personal strings of a stored event (parsed JSON): e-mails and names, wherever they sit in its data. */
export function personalValues(event: unknown): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, key: string) => {
    if (typeof value === "string") {
      if (PERSONAL_KEYS.has(key) && value.trim().length >= MIN_LENGTH) found.add(value.trim());
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, "");
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(event, "");
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
