import { z } from "zod";
import { money, toMajorUnits } from "../../../events/money";
import { maskValues, personalValues } from "../../../events/personal-data";
import { isOperational, person } from "../../../events/types";
import { redactEmail } from "../../../lib/log";

/** The fields an operator looks for first, as label and shown value (personal data already masked). */
export type SummaryField = [label: string, value: string];

// Loose readers of the canonical shapes (src/events/types.ts): a redacted event keeps hashes that the strict
// schemas refuse, and a summary should show what it can rather than nothing.
const customerShape = person.partial().loose();
const summarised = z
  .object({
    order_number: z.string().optional(),
    order_id: z.string().optional(),
    customer_id: z.string().optional(),
    email: z.string().optional(),
    total: money.optional(),
    customer: customerShape.optional(),
    code: z.string().optional(),
    stamps: z.number().optional(),
  })
  .loose();

/** An e-mail as the logs show it (`***@example.com`); anything else that is not one, left as it is. */
const maskEmail = (value: string) => redactEmail(value);
/** A name down to its initials: enough to tell two customers apart on a screen, not to identify one. */
const initials = (...names: (string | undefined)[]) =>
  names
    .filter((n): n is string => !!n)
    .map((n) => `${n.trim().charAt(0).toUpperCase()}.`)
    .join(" ");

/**
 * Order number, amount and the masked customer of a commerce event; for the bridge's own events, their
 * ids and codes as they are (they carry no personal data: src/events/types.ts).
 */
export function summarizeEvent(event: { type: string; data: unknown }): SummaryField[] {
  if (isOperational(event.type)) {
    const data = z.record(z.string(), z.unknown()).safeParse(event.data);
    if (!data.success) return [];
    return Object.entries(data.data)
      .filter(([, v]) => typeof v === "string" || typeof v === "number")
      .map(([k, v]) => [k.replaceAll("_", " "), String(v)]);
  }
  const parsed = summarised.safeParse(event.data);
  if (!parsed.success) return [];
  const data = parsed.data;
  const fields: SummaryField[] = [];
  const order = data.order_number ?? data.order_id;
  const withId = data.order_number && data.order_id && data.order_id !== data.order_number;
  if (order) fields.push(["Order", withId ? `${order} (id ${data.order_id})` : order]);
  if (data.total) fields.push(["Amount", formatMoney(data.total)]);
  if (data.code) fields.push(["Coupon", data.code]);
  if (data.stamps !== undefined) fields.push(["Stamps", String(data.stamps)]);
  const customer = data.customer;
  const id = customer?.id ?? data.customer_id;
  const email = customer?.email ?? data.email;
  const name = initials(customer?.first_name, customer?.last_name);
  const who = [name, email && maskEmail(email), id && `id ${id}`].filter(Boolean).join(" · ");
  if (who) fields.push(["Customer", who]);
  return fields;
}

export function formatMoney(value: z.infer<typeof money>): string {
  return new Intl.NumberFormat("en", { style: "currency", currency: value.currency }).format(
    toMajorUnits(value),
  );
}

/**
 * A JSON text for the dashboard with the person masked, as dead letters mask a vendor's answer: every value
 * under a personal key (names, addresses, phones, e-mails; src/events/personal-data.ts) replaced wherever it
 * appears, and any e-mail left masked as in the logs. Text that is not JSON gets the e-mail mask only.
 */
export function maskedJson(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return redactEmail(text);
  }
  return redactEmail(maskValues(JSON.stringify(parsed, null, 2), personalValues(parsed)));
}
