import type { Webhook } from "standardwebhooks";

/** Posts a delivery to the bridge's Kooomo route, signed with Standard Webhooks as Kooomo signs (bench, soak). */
export function postKooomo(bridge: string, signer: Webhook, body: string, id: string): Promise<Response> {
  const at = new Date();
  return fetch(`${bridge}/webhooks/kooomo`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": signer.sign(id, at, body),
    },
    body,
  });
}
