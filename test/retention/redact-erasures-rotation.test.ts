import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { redactCompletedErasures } from "../../src/retention/redact-erasures";
import { resetEmulator } from "../support/emulator";
import { eventRow, settled, storedText } from "../support/stored-events";
import { kooomoErasure, kooomoOrder, send } from "./payloads";

// Erasure requests that keep waiting must not hold up later ones. Six requests through the real reactions
// would take a minute (Ometria's deletions are paced at one per 10 s), so the five older, waiting ones are
// copies of the real request's stored row: done, with an event of their person still in progress.

const bridgeEnv: Env = env;
const MINUTE_MS = 60_000;

beforeEach(resetEmulator);

interface Copy {
  id: string;
  status: string;
  receivedAt: number;
  /** JSON paths of event_json to set, e.g. `$.data.email`. */
  set: Record<string, string>;
}

/** Stores a copy of an event row under a new id and dedupe key, without raw body (it would name the original). */
async function storeCopy(sourceId: string, copy: Copy): Promise<string> {
  const paths = Object.entries({ "$.id": copy.id, ...copy.set });
  await env.DB.prepare(
    `INSERT INTO events (id, route, vendor, dedupe_key, type, vendor_event_type, subject, status, verification,
       received_at, queued_at, event_json, raw_body, raw_headers)
     SELECT ?2, route, vendor, ?2, type, vendor_event_type, subject, ?3, verification, ?4, queued_at,
       json_set(event_json, ${paths.map((_, i) => `?${5 + 2 * i}, ?${6 + 2 * i}`).join(", ")}), NULL, raw_headers
     FROM events WHERE id = ?1`,
  )
    .bind(sourceId, copy.id, copy.status, copy.receivedAt, ...paths.flat())
    .run();
  return copy.id;
}

describe("erasure requests that keep waiting", () => {
  it("take turns with later ones: a ready request behind five waiting ones is done by the second run", async () => {
    const order = await send("kooomo", kooomoOrder("600001", { id: 8101, email: "henry@example.com" }));
    const ready = await send("kooomo", kooomoErasure("henry-erasure", 8101, "henry@example.com"));
    await settled(order);
    const request = await settled(ready);
    expect(request.status).toBe("done");

    const now = Date.now();
    const waiting: string[] = [];
    for (const n of [1, 2, 3, 4, 5]) {
      const email = `waiting${n}@example.com`;
      await storeCopy(order, {
        id: `order-of-waiting-${n}`,
        status: "queued",
        receivedAt: now - MINUTE_MS,
        set: { "$.data.customer.email": email, "$.data.customer.id": `810${n + 1}` },
      });
      waiting.push(
        await storeCopy(ready, {
          id: `erasure-of-waiting-${n}`,
          status: "done",
          receivedAt: request.received_at - (6 - n) * 1_000,
          set: { "$.data.email": email, "$.data.customer_id": `810${n + 1}` },
        }),
      );
    }

    // First run: the five oldest are taken, and all wait for their person's order.
    expect(await redactCompletedErasures(bridgeEnv, now)).toEqual({ erasures: 5, completed: 0, events: 0 });
    for (const id of waiting) {
      expect(await eventRow(id)).toMatchObject({ redacted_at: null, redaction_attempted_at: now });
    }
    expect(await eventRow(ready)).toMatchObject({ redacted_at: null, redaction_attempted_at: null });

    // Second run: the never-tried request comes first, then the four least recently tried.
    const later = now + MINUTE_MS;
    expect(await redactCompletedErasures(bridgeEnv, later)).toEqual({ erasures: 5, completed: 1, events: 2 });
    for (const id of [order, ready]) {
      expect((await storedText(id)).toLowerCase()).not.toContain("henry@example.com");
      expect((await eventRow(id)).redacted_at).toBe(later);
    }
    const attempted = await Promise.all(
      waiting.map(async (id) => (await eventRow(id)).redaction_attempted_at),
    );
    expect(attempted.filter((at) => at === later)).toHaveLength(4);
    expect(attempted.filter((at) => at === now)).toHaveLength(1);
  });
});
