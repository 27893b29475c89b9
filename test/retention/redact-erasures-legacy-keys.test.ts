import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { dedupeHash } from "../../src/ingress/dedupe-key";
import { redactedDedupeKey } from "../../src/retention/email-hash";
import { redactCompletedErasures } from "../../src/retention/redact-erasures";
import ometriaUnsubscribed from "../fixtures/ometria/contact-unsubscribed.json";
import { resetEmulator } from "../support/emulator";
import { eventRow, storeUnqueued } from "../support/stored-events";
import { kooomoErasure } from "./payloads";

// Rows stored before ingress wrote dedupe hashes (migrations/0006): a vendor retry of a delivery whose key an
// earlier erasure had redacted was stored again, under the same key. Erasing it must not fail on the UNIQUE
// key or hash the first copy already holds.

const bridgeEnv: Env = env;
const SALT = env.REDACTION_SALT as string;
const GRACE_MS = 5 * 60_000;
const KEY = "contact.unsubscribed:gus@example.com:2025-03-18 09:15:00.123456";
const unsubscribed = {
  ...ometriaUnsubscribed,
  id: KEY,
  contact: { ...ometriaUnsubscribed.contact, email: "gus@example.com", customer_id: "7105" },
};

beforeEach(resetEmulator);

describe("erasing a retry stored again before dedupe hashes existed", () => {
  it("keeps both copies distinct instead of failing the erasure", async () => {
    const received = Date.now();
    const first = await storeUnqueued("ometria", unsubscribed, { dedupeKey: KEY, receivedAt: received });
    await env.DB.prepare("UPDATE events SET dedupe_hash = NULL WHERE id = ?1").bind(first).run();
    await storeUnqueued("kooomo", kooomoErasure("gus-erasure", 7105, "gus@example.com"), {
      receivedAt: received,
    });

    const deadline = received + GRACE_MS;
    await redactCompletedErasures(bridgeEnv, deadline);
    const marker = await redactedDedupeKey(SALT, KEY);
    const hash = await dedupeHash(SALT, KEY);
    expect(await eventRow(first)).toMatchObject({ dedupe_key: marker, dedupe_hash: hash });

    // The legacy retry: same key as received, no hash.
    const again = await storeUnqueued("ometria", unsubscribed, {
      dedupeKey: "placeholder",
      receivedAt: received,
    });
    await env.DB.prepare("UPDATE events SET dedupe_key = ?2, dedupe_hash = NULL WHERE id = ?1")
      .bind(again, KEY)
      .run();

    await redactCompletedErasures(bridgeEnv, deadline + 60_000);
    const redacted = await eventRow(again);
    expect(redacted).toMatchObject({ dedupe_key: `${marker}:${again}`, dedupe_hash: null });
    expect(redacted.redacted_at).toBe(deadline + 60_000);
    expect(redacted.event_json).not.toContain("gus@example.com");
  });
});
