// The Membrane emulator's Coupontools confirms only webhooks its account sent, as the real verification call
// does (emulator/README.md). Whatever plays Coupontools (`npm run send`, `npm run demo`, the tests' `deliver`)
// records each Coupontools delivery there first, with the facts its verification answer reports.

/** One webhook as the emulator records it (POST /_emulator/coupontools/webhooks). */
export interface SentWebhook {
  webhook: string;
  type: string;
  campaign: string | null;
  session: string | null;
  /** Coupontools' zoneless "YYYY-MM-DD HH:MM:SS". */
  date: string;
}

const ZONELESS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const record = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const idText = (v: unknown) =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null;

/** A Unix-seconds or ISO time as Coupontools' zoneless text (UTC); now when there is none. */
function zonelessUtc(when: unknown): string {
  if (typeof when === "string" && ZONELESS.test(when)) return when;
  const ms =
    typeof when === "number" ? when * 1000 : typeof when === "string" ? Date.parse(when) : Number.NaN;
  return new Date(Number.isNaN(ms) ? Date.now() : ms).toISOString().slice(0, 19).replace("T", " ");
}

/** What Coupontools' verification call says about a delivery it sent; null without an id or kind. */
export function sentWebhook(payload: unknown): SentWebhook | null {
  const body = record(payload);
  const data = record(body.data);
  const webhook = idText(body.id);
  const type = idText(body.type) ?? idText(body.event);
  if (webhook === null || type === null) return null;
  return {
    webhook,
    type,
    campaign: idText(data.campaign) ?? idText(data.coupon_id),
    session: idText(data.session) ?? idText(data.session_id),
    date: zonelessUtc(body.created ?? body.date),
  };
}

/** The JSON body's webhook facts, or null when it is not JSON or lacks an id or kind. */
export function sentWebhookOf(body: Uint8Array | string): SentWebhook | null {
  try {
    return sentWebhook(JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body)));
  } catch {
    return null;
  }
}

/** Records the delivery as sent by the connection's Coupontools account; false when there is nothing to record. */
export async function recordCoupontoolsWebhook(
  emulatorUrl: string,
  connectionId: string,
  body: Uint8Array,
): Promise<boolean> {
  const event = sentWebhookOf(body);
  if (!event) return false;
  const res = await fetch(`${emulatorUrl}/_emulator/coupontools/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ connectionId, events: [event] }),
  });
  if (!res.ok)
    throw new Error(`the emulator refused the Coupontools webhook: ${res.status} ${await res.text()}`);
  return true;
}
