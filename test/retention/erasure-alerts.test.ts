import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import type { EventMessage } from "../../src/queue/messages";
import { redactCompletedErasures } from "../../src/retention/redact-erasures";
import { recordingQueue } from "../support/recording-queue";
import { eventRow, storeUnqueued } from "../support/stored-events";
import { kooomoErasure } from "./payloads";

// hookbridge.erasure_completed through the real erasure job and D1; the events queue is recorded so the
// alert's planning is not run by the background consumer (whose config has no alert reaction).

const DAY_MS = 24 * 3_600_000;

describe("erasure alerts", () => {
  it("a completed erasure raises erasure_completed with its event id and counts, never whom it erased", async () => {
    const events = recordingQueue<EventMessage>();
    const testEnv: Env = {
      ...env,
      EVENTS_QUEUE: events.queue,
      REACTIONS: {
        "erasure-alerts": {
          connection: "slack-demo",
          on: ["hookbridge.erasure_completed", "hookbridge.erasure_stuck"],
          request: { method: "POST", path: "/chat.postMessage", body: '{"channel": "#gdpr", "text": type}' },
        },
      },
    };
    const email = "dora.alert@example.com";
    const erasureId = await storeUnqueued("kooomo", kooomoErasure("dora-erasure", 7301, email));
    // Past the grace period and the hold: it is carried out although it was never planned.
    const run = await redactCompletedErasures(testEnv, Date.now() + 10 * DAY_MS);
    expect(run).toMatchObject({ completed: 1 });

    expect(events.sent).toHaveLength(1);
    const alert = await eventRow(events.sent[0]?.body.eventId ?? "");
    expect(alert).toMatchObject({
      route: "hookbridge",
      type: "hookbridge.erasure_completed",
      subject: erasureId,
    });
    expect(JSON.parse(alert.event_json).data).toEqual({ erasure_event_id: erasureId, events_redacted: 1 });
    expect(JSON.stringify(alert)).not.toContain("dora");

    // The same erasure is not alerted twice (the next run finds nothing to do; a repeat would be deduplicated).
    await redactCompletedErasures(testEnv, Date.now() + 10 * DAY_MS);
    expect(events.sent).toHaveLength(1);
  });
});
