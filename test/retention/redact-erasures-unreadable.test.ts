import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { redactCompletedErasures } from "../../src/retention/redact-erasures";
import { eventRow } from "../support/stored-events";

// Ingress validates erasure requests, so stored data fails to read only after the reader changed. Such a row
// (here written directly, as an older version could have stored it) is marked for operators and tried again
// daily, not every minute; it does not count as looked at in between.

const bridgeEnv: Env = env;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

async function storeErasure(id: string, data: Record<string, unknown>, receivedAt: number): Promise<void> {
  const event = { specversion: "1.0", id, type: "customer.erasure_requested", vendor: "kooomo", data };
  await env.DB.prepare(
    `INSERT INTO events (id, route, vendor, dedupe_key, type, status, verification, received_at, queued_at,
       event_json, raw_body, raw_headers)
     VALUES (?1, 'kooomo', 'kooomo', ?1, 'customer.erasure_requested', 'done', 'verified', ?2, ?2, ?3, NULL, '{}')`,
  )
    .bind(id, receivedAt, JSON.stringify(event))
    .run();
}

describe("an erasure request whose data cannot be read", () => {
  it("is marked with a reason and tried again a day later, then carried out once readable", async () => {
    const now = Date.now();
    await storeErasure("erasure-unreadable", { customer_id: "9901", mail: "ivy@example.com" }, now - DAY_MS);

    expect(await redactCompletedErasures(bridgeEnv, now)).toEqual({ erasures: 1, completed: 0, events: 0 });
    const marked = await eventRow("erasure-unreadable");
    expect(marked).toMatchObject({ status: "done", redacted_at: null, redaction_attempted_at: now });
    expect(marked.status_reason).toMatch(/^erasure request unreadable: .*email.*; tried again daily$/);
    expect(marked.status_reason).not.toContain("ivy@example.com");

    const nothing = { erasures: 0, completed: 0, events: 0 };
    expect(await redactCompletedErasures(bridgeEnv, now + MINUTE_MS)).toEqual(nothing);
    expect(await redactCompletedErasures(bridgeEnv, now + DAY_MS - MINUTE_MS)).toEqual(nothing);

    // A day later it is tried again: still unreadable, so marked again.
    const dayLater = now + DAY_MS;
    expect(await redactCompletedErasures(bridgeEnv, dayLater)).toEqual({
      erasures: 1,
      completed: 0,
      events: 0,
    });
    expect(await eventRow("erasure-unreadable")).toMatchObject({
      status_reason: marked.status_reason,
      redaction_attempted_at: dayLater,
    });

    // Once it reads (here the data is fixed by hand), the next try carries it out and clears the reason.
    await env.DB.prepare(
      `UPDATE events SET event_json = json_set(json_remove(event_json, '$.data.mail'), '$.data.email', ?2)
       WHERE id = ?1`,
    )
      .bind("erasure-unreadable", "ivy@example.com")
      .run();
    const twoDaysLater = dayLater + DAY_MS;
    expect(await redactCompletedErasures(bridgeEnv, twoDaysLater)).toEqual({
      erasures: 1,
      completed: 1,
      events: 1,
    });
    const done = await eventRow("erasure-unreadable");
    expect(done).toMatchObject({ status: "done", status_reason: null, redacted_at: twoDaysLater });
    expect(done.event_json).not.toContain("ivy@example.com");
  });
});
