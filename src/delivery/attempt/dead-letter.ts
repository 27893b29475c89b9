import { maskValues } from "../../events/personal-data";
import { redactEmail } from "../../lib/log";
import { sendMessages } from "../../queue/send";
import type { DeliveryRow } from "../../store/deliveries";
import { deadDeliveryAlert, emitAlert } from "../alerts";
import type { DeliveryContext } from "../context";

/**
 * Dead letters leave D1 (an erasure cannot reach them later), so their reason carries no e-mail and none of
 * the event's personal values (names a vendor's error may echo from what it was sent).
 */
export function sendDeadLetter(
  ctx: DeliveryContext,
  delivery: DeliveryRow,
  code: string,
  reason: string,
  personal: readonly string[] = [],
) {
  return sendMessages(ctx.env.DEAD_LETTERS, [
    {
      kind: "dead_delivery",
      deliveryId: delivery.id,
      eventId: delivery.event_id,
      reaction: delivery.reaction,
      code,
      reason: redactEmail(maskValues(reason, personal)),
    },
  ]);
}

/** hookbridge.delivery_dead for a delivery that died (the caller checks its reaction does not listen to alerts). */
export function alertDead(ctx: DeliveryContext, delivery: DeliveryRow, code: string, attempts: number) {
  return emitAlert(ctx.env, ctx.config.reactions, deadDeliveryAlert(delivery, code, attempts), ctx.now());
}
