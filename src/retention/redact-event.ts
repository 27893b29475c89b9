import { emailHash, redactedEmail } from "./email-hash";

/** Keys of canonical event data (src/events/types.ts: `person`, `customerData`...) holding a person's details. */
const EMAIL_KEY = "email";
const NAME_KEYS = new Set(["first_name", "last_name"]);

export interface ErasedPerson {
  /** Lower-case, as in canonical data. */
  email: string;
  salt: string;
}

/**
 * A stored event (parsed JSON) with the erased person's details taken out.
 *
 * When the event is the person's own (`owned`: its canonical e-mail or customer id is theirs), every e-mail
 * field becomes a hash marker and names become null, whatever address they hold (it may be an older one).
 * Otherwise the event is someone else's that only mentions the address: just the mentions are replaced.
 * Ids, amounts and types stay, so the event still says what happened.
 */
export async function redactEvent(
  event: unknown,
  person: ErasedPerson,
  owned: boolean,
  /** Other addresses of the person whose mentions go too (the older address their own event holds). */
  alsoMentioned: readonly string[] = [],
): Promise<unknown> {
  const mentions = await Promise.all(
    [...new Set([person.email, ...alsoMentioned].map((a) => a.toLowerCase()))].map(async (address) => ({
      pattern: new RegExp(escapeRegExp(address), "gi"),
      marker: redactedEmail(await emailHash(person.salt, address)),
    })),
  );
  const unmention = (text: string) =>
    mentions.reduce((out, { pattern, marker }) => out.replace(pattern, marker), text);

  const walk = async (value: unknown, key: string): Promise<unknown> => {
    if (typeof value === "string") {
      if (owned && NAME_KEYS.has(key)) return null;
      if (owned && key === EMAIL_KEY) return redactedEmail(await emailHash(person.salt, value));
      return unmention(value);
    }
    if (Array.isArray(value)) return Promise.all(value.map((item) => walk(item, "")));
    if (value !== null && typeof value === "object") {
      const entries = await Promise.all(
        Object.entries(value).map(async ([k, v]) => [k, await walk(v, k)] as const),
      );
      return Object.fromEntries(entries);
    }
    return value;
  };
  return walk(event, "");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
