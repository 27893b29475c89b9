import { z } from "zod";
import type { Route } from "../config/routes";
import type { StoredEvent } from "../events/cloudevent";
import { coupontoolsBodyCheck } from "../membrane/body-checks";
import type { MembraneClient } from "../membrane/client";
import type { CallOutcome } from "../membrane/outcome";

export type Confirmation =
  | { genuine: true }
  | { genuine: false; reason: string }
  | { genuine: "unknown"; outcome: CallOutcome };

const verificationAnswer = z.looseObject({ result: z.string() });

/**
 * Asks Coupontools whether a delivery is genuine (POST /v3/webhook/verification through Membrane) before
 * any reaction of it runs. `unknown` when the call itself failed: the caller retries.
 */
export async function confirmGenuine(
  membrane: MembraneClient,
  route: Route,
  event: StoredEvent,
): Promise<Confirmation> {
  if (route.verifier.type !== "coupontools") return { genuine: true };
  if (!event.vendoreventid)
    return { genuine: false, reason: "the delivery carries no Coupontools event id to verify" };
  const outcome = await membrane.proxy({
    connectionId: route.verifier.connection,
    method: "POST",
    path: "/v3/webhook/verification",
    body: { webhook: event.vendoreventid },
    acceptBody: coupontoolsBodyCheck,
  });
  if (outcome.kind !== "success") return { genuine: "unknown", outcome };
  const result = verificationAnswer.safeParse(outcome.body).data?.result;
  if (result === "valid") return { genuine: true };
  return { genuine: false, reason: `Coupontools verification answered ${JSON.stringify(result ?? null)}` };
}
