import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { recordCoupontoolsWebhooks, type SentWebhook } from "./emulator";

/** Demo secrets: the same values `npm start` uses (.dev.vars.example), bound in vitest.config.ts. */
export const secrets = {
  kooomo: env.KOOOMO_WEBHOOK_SECRET as string,
  ometria: env.OMETRIA_WEBHOOK_TOKEN as string,
  coupontools: env.COUPONTOOLS_WEBHOOK_TOKEN as string,
};

const base64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

/** Standard Webhooks signature headers, computed independently of the verifier under test. */
export async function standardWebhookHeaders(
  secret: string,
  id: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Promise<Record<string, string>> {
  const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (ch) => ch.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${base64(mac)}`,
  };
}

export function post(
  path: string,
  body: BodyInit | null,
  headers: Record<string, string> = {},
): Promise<Response> {
  return exports.default.fetch(
    new Request(`https://bridge.test${path}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    }),
  );
}

/**
 * A correctly authenticated delivery for each default route. A Coupontools delivery is first recorded in
 * the emulator as sent by Coupontools (its verification call then confirms it), unless `sentByCoupontools`
 * is false: a forged delivery that only knows the URL token.
 */
export async function deliver(
  route: "kooomo" | "ometria" | "coupontools",
  payload: unknown,
  options: { id?: string; sentByCoupontools?: boolean } = {},
): Promise<Response> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  switch (route) {
    case "kooomo": {
      const id = options.id ?? `msg_${crypto.randomUUID()}`;
      return post("/webhooks/kooomo", body, await standardWebhookHeaders(secrets.kooomo, id, body));
    }
    case "ometria":
      return post("/webhooks/ometria", body, { "x-hookbridge-token": secrets.ometria });
    case "coupontools":
      if (options.sentByCoupontools !== false) {
        const sent = sentWebhook(typeof payload === "string" ? parseOrNull(payload) : payload);
        if (sent) await recordCoupontoolsWebhooks([sent]);
      }
      return post(`/webhooks/coupontools?token=${encodeURIComponent(secrets.coupontools)}`, body);
  }
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const idText = (v: unknown) =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;

/** What Coupontools' verification call would say about a delivery it sent (null without an id or kind). */
export function sentWebhook(payload: unknown): SentWebhook | null {
  const body = (payload ?? {}) as Record<string, unknown>;
  const data = (body.data ?? {}) as Record<string, unknown>;
  const webhook = idText(body.id);
  const type = idText(body.type) ?? idText(body.event);
  if (!webhook || !type) return null;
  const when = body.created ?? body.date;
  const date =
    typeof when === "string" && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(when)
      ? when
      : new Date(typeof when === "number" ? when * 1000 : Date.now())
          .toISOString()
          .slice(0, 19)
          .replace("T", " ");
  return {
    webhook,
    type,
    campaign: idText(data.campaign) ?? idText(data.coupon_id) ?? null,
    session: idText(data.session) ?? idText(data.session_id) ?? null,
    date,
  };
}

/** The id the ingress gave an accepted delivery (asserts the 202). */
export async function acceptedId(res: Response): Promise<string> {
  expect(res.status).toBe(202);
  return (await res.json<{ id: string }>()).id;
}

export async function countEvents(): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM events").first<{ n: number }>();
  return row?.n ?? 0;
}
