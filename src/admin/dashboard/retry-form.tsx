import type { DeliveryRow } from "../../store/deliveries";
import { isOutcomeUnknown } from "../../store/delivery-resets";
import { ActionButton, ReturnTo } from "./components";

export const deliveryRetryPath = (id: string) => `/admin/deliveries/${encodeURIComponent(id)}/retry`;

/** What the dashboard says of a dead delivery whose last call may have been applied. */
export const OUTCOME_UNKNOWN_NOTE = "outcome unknown: check the vendor first";

/**
 * The Retry control of one delivery. A delivery whose outcome is unknown gets a form with an explicit
 * confirmation instead of a plain button: its last call may have been applied, so a retry without a look
 * at the vendor could apply it twice. Unticked, the retry is refused and the page says why.
 */
export function RetryForm({
  delivery,
  returnTo,
  tone,
}: {
  delivery: Pick<DeliveryRow, "id" | "status" | "last_error_code">;
  returnTo: string;
  tone?: "primary";
}) {
  const action = deliveryRetryPath(delivery.id);
  if (!isOutcomeUnknown(delivery)) {
    return <ActionButton action={action} label="Retry" returnTo={returnTo} tone={tone} />;
  }
  return (
    <form class="inline" method="post" action={action}>
      <ReturnTo path={returnTo} />
      <label class="check">
        <input type="checkbox" name="force" /> I checked the vendor; retry anyway
      </label>
      <button type="submit" class="danger">
        Retry
      </button>
    </form>
  );
}
