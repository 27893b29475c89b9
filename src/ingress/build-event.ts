import type { Route } from "../config/routes";
import type { StoredEvent } from "../events/cloudevent";
import { UNRECOGNIZED } from "../events/types";
import type { Normalized } from "../vendors/types";

/** Wraps a normalizer's result in the CloudEvents 1.0 envelope. */
export function buildEvent(
  id: string,
  route: Pick<Route, "name" | "vendor">,
  normalized: Normalized,
  receivedAt: Date,
): StoredEvent {
  const common = {
    specversion: "1.0" as const,
    id,
    source: `hookbridge/${route.name}`,
    datacontenttype: "application/json" as const,
    vendor: route.vendor,
    ...(normalized.vendorEventType !== undefined && { vendoreventtype: normalized.vendorEventType }),
    ...(normalized.vendorEventId !== undefined && { vendoreventid: normalized.vendorEventId }),
  };
  if (!normalized.recognized) {
    return {
      ...common,
      type: UNRECOGNIZED,
      time: receivedAt.toISOString(),
      data: { problems: normalized.problems },
    };
  }
  return {
    ...common,
    type: normalized.type,
    time: normalized.time ?? receivedAt.toISOString(),
    ...(normalized.subject !== undefined && { subject: normalized.subject }),
    data: normalized.data,
  } as StoredEvent;
}
