// One line of `npm run tail` per activity item (GET /admin/api/activity): what a person reads while it
// happens. Pure, so its wording is tested without a bridge (test/scripts/activity-line.unit.test.ts).
import { z } from "zod";

/**
 * The fields the tail reads, as a client of the admin API sees them: the bridge it follows may run another
 * version than this checkout (a deployed one), so statuses stay strings and unknown fields pass. The API's
 * own schema is in src/admin/api/routes/activity.ts.
 */
export const activityPage = z.object({
  items: z.array(
    z.looseObject({
      kind: z.string(),
      at: z.string(),
      event_id: z.string(),
      route: z.string(),
      type: z.string(),
      status: z.string(),
      reaction: z.string().nullable(),
      attempt: z.number().nullable(),
      duration_ms: z.number().nullable(),
      error_code: z.string().nullable(),
      request: z.string().nullable(),
      next_attempt_at: z.string().nullable(),
    }),
  ),
  next_cursor: z.string(),
});
export type ActivityItem = z.infer<typeof activityPage>["items"][number];

const clock = (iso: string) => iso.slice(11, 23);
const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/** `12:00:01.234  kooomo      loyalty-stamps #2   attempt  transient  upstream_5xx  3.0 s  POST /…  next try …` */
export function activityLine(item: ActivityItem): string {
  const head = `${clock(item.at)}  ${item.route.padEnd(11)}`;
  const event = `event …${item.event_id.slice(-8)}`;
  switch (item.kind) {
    case "event.received":
      return `${head} ${item.type.padEnd(30)} received  ${item.status.padEnd(10)} ${event}`;
    case "delivery.planned":
      return `${head} ${(item.reaction ?? "").padEnd(30)} planned   ${"".padEnd(10)} ${event}`;
    case "attempt.finished": {
      const what = `${item.reaction ?? ""} #${item.attempt ?? "?"}`;
      const details = [
        item.error_code,
        item.duration_ms === null ? null : seconds(item.duration_ms),
        item.request,
        item.next_attempt_at && `next try ${clock(item.next_attempt_at)}`,
      ].filter((part) => part !== null && part !== "");
      return `${head} ${what.padEnd(30)} attempt   ${item.status.padEnd(10)} ${details.join("  ")}`;
    }
    default:
      return `${head} ${item.kind} ${item.status} ${event}`;
  }
}
