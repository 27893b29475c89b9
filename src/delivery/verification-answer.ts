import { z } from "zod";
import type { StoredEvent } from "../events/cloudevent";
import type { CallOutcome } from "../membrane/outcome";

/**
 * Coupontools' answer to `POST /v3/webhook/verification`, read on its own terms. Source: Coupontools'
 * "Webhook verification" API page (mirrored at imazecoupon.com/nl/api-en-webhooks/webhook_verification.html):
 *   success `{"status":{"status":"OK"},"result":"valid","webhook":"evt_...","date":"2017-10-09 09:57:57",
 *            "campaign":"cam_12345","session":"...","type":"coupon_validated"}`
 *   failure `{"status":{"status":"failed","errors":{"error_message":"HTTP/1.0 422 Unprocessable entity.",
 *            "error_message_description":["Webhook not found."],"error_code":[509]}}}`
 * The HTTP status of the failure is not documented (its text says 422), so the body is read on 2xx and 4xx.
 */

/** Coupontools' error code for an event id it never sent ("Webhook not found."). */
export const WEBHOOK_NOT_FOUND = 509;

const idLike = z.union([z.string(), z.number()]).transform(String);
/** Coupontools writes one value or a list of them (`error_code` is a scalar on the auth page). */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([z.array(item), item]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const failedAnswer = z.object({
  status: z.object({
    status: z.literal("failed"),
    errors: z
      .looseObject({
        error_message: z.string().optional(),
        error_message_description: oneOrMany(z.string()).optional(),
        error_code: oneOrMany(z.union([z.number(), z.string().regex(/^\d+$/)]).transform(Number)).optional(),
      })
      .optional(),
  }),
});

const okAnswer = z.looseObject({
  status: z.looseObject({ status: z.literal("OK") }),
  result: z.string(),
  webhook: idLike.optional(),
  type: idLike.optional(),
  campaign: idLike.optional(),
  session: idLike.optional(),
  date: idLike.optional(),
});
export type VerificationAnswer = z.infer<typeof okAnswer>;

export type ReadAnswer =
  | { kind: "answer"; answer: VerificationAnswer }
  /** Coupontools said it never sent this id: the delivery is not genuine. */
  | { kind: "not_found"; reason: string }
  /** Coupontools refused the call for another reason (credentials, a missing parameter): not a verdict. */
  | { kind: "refused"; reason: string }
  | { kind: "unreadable" };

/** The answer's body: the parsed body on success, else the response excerpt of a vendor's 4xx answer. */
function answerBody(outcome: CallOutcome): unknown {
  if (outcome.kind === "success") return outcome.body;
  if (outcome.kind !== "permanent" || outcome.source !== "vendor" || !outcome.response) return undefined;
  // The excerpt is masked like the logs (e-mails, secret-named fields), which is what a stored reason
  // may show anyway; a failure envelope is far below the excerpt's 2 KB, so it arrives whole.
  try {
    return JSON.parse(outcome.response.body);
  } catch {
    return undefined;
  }
}

export function readVerificationAnswer(outcome: CallOutcome): ReadAnswer {
  const body = answerBody(outcome);
  const ok = okAnswer.safeParse(body);
  if (ok.success)
    return outcome.kind === "success" ? { kind: "answer", answer: ok.data } : { kind: "unreadable" };
  const failed = failedAnswer.safeParse(body);
  if (!failed.success) return { kind: "unreadable" };
  const errors = failed.data.status.errors;
  const codes = errors?.error_code ?? [];
  const text = [...(errors?.error_message_description ?? []), errors?.error_message]
    .filter((part): part is string => typeof part === "string" && part.trim() !== "")
    .join(" ");
  const reason = clip(
    `Coupontools: ${text || "failed"}${codes.length > 0 ? ` (error_code ${codes.join(", ")})` : ""}`,
  );
  return codes.includes(WEBHOOK_NOT_FOUND) ? { kind: "not_found", reason } : { kind: "refused", reason };
}

/** What the delivery claims, in the fields the verification answer can confirm. */
export interface DeliveryClaims {
  webhook: string;
  type?: string | undefined;
  campaign?: string | undefined;
  session?: string | undefined;
  date?: string | undefined;
}

/** Coupontools' zoneless date, as in the verification answer ("2017-10-09 09:57:57"). */
const ZONELESS_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const rawDates = z.looseObject({ created: z.unknown().optional(), date: z.unknown().optional() });

/**
 * The claims the bridge acts on: the event id it de-duplicated on, the kind and the coupon ids of the
 * canonical event, and the delivery's own date text. The date is taken only when the delivery wrote it the
 * way the answer does (zoneless text): Coupontools does not say which zone that is, so a Unix time or an
 * ISO date cannot be compared with it without guessing. `created` wins over `date`, as in the normalizer.
 */
export function deliveryClaims(webhook: string, event: StoredEvent, rawBody: string | null): DeliveryClaims {
  const coupon =
    event.type === "coupon.claimed" || event.type === "coupon.validated" ? event.data : undefined;
  return {
    webhook,
    type: event.vendoreventtype,
    campaign: coupon?.coupon_id,
    session: coupon?.session_id,
    date: rawDate(rawBody),
  };
}

function rawDate(rawBody: string | null): string | undefined {
  if (rawBody === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return undefined;
  }
  const dates = rawDates.safeParse(json).data;
  const value = dates?.created ?? dates?.date;
  const text = typeof value === "string" ? value.trim() : undefined;
  return text !== undefined && ZONELESS_DATE.test(text) ? text : undefined;
}

const COMPARED = ["type", "campaign", "session", "date"] as const;

/**
 * The first field on which the answer and the delivery disagree, as a reason; null when they agree.
 * `webhook` must be in the answer and equal the id asked about. The other fields are compared only where
 * both sides carry them: the docs do not promise every field for every kind (a loyalty event has no
 * campaign), and a field only one side has says nothing either way.
 */
export function mismatch(answer: VerificationAnswer, claims: DeliveryClaims): string | null {
  if (answer.webhook !== claims.webhook) {
    return answer.webhook === undefined
      ? "Coupontools' verification answer does not name the webhook it confirms"
      : disagreement("webhook", answer.webhook, claims.webhook);
  }
  for (const field of COMPARED) {
    const confirmed = present(answer[field]);
    const claimed = present(claims[field]);
    if (field === "date" && confirmed !== undefined && !ZONELESS_DATE.test(confirmed)) continue;
    if (confirmed !== undefined && claimed !== undefined && confirmed !== claimed) {
      return disagreement(field, confirmed, claimed);
    }
  }
  return null;
}

const present = (value: string | undefined) =>
  value === undefined || value.trim() === "" ? undefined : value;

function disagreement(field: string, confirmed: string, claimed: string): string {
  return `Coupontools' verification answer disagrees with the delivery on ${field}: ${show(confirmed)} confirmed, ${show(claimed)} delivered`;
}

const show = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
const clip = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…` : text);
