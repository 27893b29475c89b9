import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { sentWebhook, sentWebhookOf } from "../../scripts/lib/coupontools-webhook";
import { recordCoupontoolsWebhooks } from "./emulator";

export { sentWebhook };

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
        const sent = typeof payload === "string" ? sentWebhookOf(payload) : sentWebhook(payload);
        if (sent) await recordCoupontoolsWebhooks([sent]);
      }
      return post(`/webhooks/coupontools?token=${encodeURIComponent(secrets.coupontools)}`, body);
  }
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
