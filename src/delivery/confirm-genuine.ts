import type { Route } from "../config/routes";
import type { StoredEvent } from "../events/cloudevent";
import type { MembraneClient } from "../membrane/client";
import type { CallOutcome } from "../membrane/outcome";
import { isCoupontoolsEventId } from "../vendors/coupontools/event-id";
import { deliveryClaims, mismatch, readVerificationAnswer } from "./verification-answer";

export type Confirmation =
  | { genuine: true }
  | { genuine: false; reason: string }
  /** The call failed or was refused without a verdict; `reason` when Coupontools' answer says why. */
  | { genuine: "unknown"; outcome: CallOutcome; reason?: string };

/** The stored delivery as confirmation needs it. */
export interface DeliveryToConfirm {
  event: StoredEvent;
  /** The route's de-duplication key: for Coupontools routes, the event id exactly as delivered. */
  dedupeKey: string;
  rawBody: string | null;
}

/**
 * Asks Coupontools whether a delivery is genuine (POST /v3/webhook/verification through Membrane) before
 * any reaction of it runs. The id asked about is the de-duplication key itself, so what is confirmed is
 * exactly what was stored once; the answer's `webhook`, `type`, `campaign`, `session` and `date` must then
 * agree with the delivery (see verification-answer.ts). `unknown` when the call itself failed: the caller
 * retries or gives up, but never calls the event genuine or forged on that basis.
 */
export async function confirmGenuine(
  membrane: MembraneClient,
  route: Route,
  delivery: DeliveryToConfirm,
): Promise<Confirmation> {
  if (route.verifier.type !== "coupontools") return { genuine: true };
  const webhook = delivery.dedupeKey;
  // Rows stored before ingress refused non-canonical ids (e.g. " evt_X") are never confirmed.
  if (!isCoupontoolsEventId(webhook) || webhook !== delivery.event.vendoreventid) {
    return { genuine: false, reason: "the delivery's event id is not a canonical Coupontools event id" };
  }
  const outcome = await membrane.proxy({
    connectionId: route.verifier.connection,
    method: "POST",
    path: "/v3/webhook/verification",
    body: { webhook },
  });
  if (outcome.kind === "transient") return { genuine: "unknown", outcome };
  const read = readVerificationAnswer(outcome);
  switch (read.kind) {
    case "not_found":
      return { genuine: false, reason: read.reason };
    case "refused":
      return { genuine: "unknown", outcome, reason: read.reason };
    case "unreadable":
      return { genuine: "unknown", outcome };
  }
  const { answer } = read;
  if (answer.result !== "valid") {
    return { genuine: false, reason: `Coupontools verification answered ${JSON.stringify(answer.result)}` };
  }
  const differs = mismatch(answer, deliveryClaims(webhook, delivery.event, delivery.rawBody));
  return differs === null ? { genuine: true } : { genuine: false, reason: differs };
}
