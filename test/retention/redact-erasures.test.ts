import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { emailHash, redactedDedupeKey, redactedEmail } from "../../src/retention/email-hash";
import { redactCompletedErasures } from "../../src/retention/redact-erasures";
import couponClaimed from "../fixtures/coupontools/coupon-claimed.json";
import couponValidated from "../fixtures/coupontools/coupon-validated.json";
import stampsAdded from "../fixtures/coupontools/loyalty-stamps-added.json";
import customerCreated from "../fixtures/kooomo/customer-created.json";
import erasure from "../fixtures/kooomo/customer-erasure-requested.json";
import customerUpdated from "../fixtures/kooomo/customer-updated.json";
import orderCreated from "../fixtures/kooomo/order-created.json";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import ometriaUnsubscribed from "../fixtures/ometria/contact-unsubscribed.json";
import ometriaUpdated from "../fixtures/ometria/customer-updated.json";
import ometriaUnknown from "../fixtures/ometria/unknown-event.json";
import { resetEmulator } from "../support/emulator";
import { attemptsOf, eventRow, settled, snapshot, storedText } from "../support/stored-events";
import { kooomoOrder, send, sendAll } from "./payloads";

/** What an operator's lookup by e-mail hash finds (docs/operating.md: "Retention and erasure"). */
async function redactedByHash(hash: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT id FROM events WHERE email_hash = ?1 ORDER BY received_at")
    .bind(hash)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

// Real ingress, queues, recipes (Membrane emulator) and D1. The fixtures' Ada Lovelace (ada@example.com,
// Kooomo customer 5512) asks for erasure; Grace Hopper and Linus must keep their data.

const bridgeEnv: Env = env;
const SALT = env.REDACTION_SALT as string;
// An id as the Ometria template once built it, the address in it (here in another case): the route's dedupe key.
const KEY_WITH_EMAIL = "contact.unsubscribed:Ada@Example.com:2025-03-18 09:15:00.123456";

beforeEach(resetEmulator);

describe("erasure requests", () => {
  it("redact every stored event of the person once their reactions succeeded, and nobody else's", async () => {
    const [own, mentions, others] = await Promise.all([
      sendAll([
        ["kooomo", customerCreated], // Ada@Example.com: the address in another case
        ["kooomo", orderPaid],
        ["kooomo", customerUpdated], // last name King
        // Same Kooomo customer id under an older address: hers by id.
        [
          "kooomo",
          {
            ...customerUpdated,
            id: "evt_old_address",
            data: { ...customerUpdated.data, email: "ada.old@example.net" },
          },
        ],
        ["ometria", ometriaUpdated],
        ["ometria", ometriaUnsubscribed],
        ["ometria", { ...ometriaUnsubscribed, id: KEY_WITH_EMAIL }],
        ["coupontools", couponValidated],
        ["coupontools", stampsAdded],
      ]),
      sendAll([
        ["ometria", ometriaUnknown], // unrecognized: only its raw body names her
        // Linus's order naming her as the gift recipient, in a field the canonical event does not keep.
        [
          "kooomo",
          kooomoOrder(
            "200001",
            { id: 6001, email: "linus@example.com", first_name: "Linus" },
            { gift_for: "ada@example.com" },
          ),
        ],
      ]),
      sendAll([
        ["kooomo", orderCreated], // Grace
        ["coupontools", couponClaimed], // Grace
        // Customer 5512 of Ometria is not customer 5512 of Kooomo: ids only count on the erasure's vendor.
        [
          "ometria",
          {
            ...ometriaUpdated,
            id: "ometria-update-other",
            contact: {
              ...ometriaUpdated.contact,
              email: "someone@example.org",
              firstname: "Some",
              lastname: "One",
            },
          },
        ],
      ]),
    ]);
    await Promise.all([...own, ...mentions, ...others].map((id) => settled(id)));
    const before = new Map(
      await Promise.all([...own, ...others].map(async (id) => [id, await snapshot(id)] as const)),
    );
    const erasureId = await send("kooomo", erasure);
    expect((await settled(erasureId)).status).toBe("done");
    const hash = await emailHash(SALT, "ada@example.com");
    // Her paid order's stamps remembered which loyalty user she is (by the keyed hash of her address).
    const vendorUsers = async () =>
      (
        await env.DB.prepare("SELECT person_hash FROM vendor_users ORDER BY person_hash").all<{
          person_hash: string;
        }>()
      ).results.map((r) => r.person_hash);
    const rememberedBefore = await vendorUsers();
    expect(rememberedBefore).toContain(hash);

    const now = Date.now();
    const run = await redactCompletedErasures(bridgeEnv, now);
    expect(run).toEqual({ erasures: 1, completed: 1, events: own.length + mentions.length + 1 });
    // Forgotten with her; nobody else is.
    expect(await vendorUsers()).toEqual(rememberedBefore.filter((h) => h !== hash));

    for (const id of [...own, erasureId]) {
      const text = await storedText(id);
      for (const gone of ["ada@example.com", "ada.old@example.net"])
        expect(text.toLowerCase()).not.toContain(gone);
      for (const name of ["Ada", "Lovelace", "King"]) expect(text).not.toContain(name);

      const row = await eventRow(id);
      for (const [column, value] of Object.entries(row)) {
        expect(String(value).toLowerCase(), `column ${column}`).not.toContain("ada@example.com");
      }
      expect(row).toMatchObject({ raw_body: null, raw_headers: "{}", redacted_at: now, email_hash: hash });
      const event = JSON.parse(row.event_json);
      const person = event.data.customer ?? event.data;
      expect(person.email).toMatch(/^redacted:hmac-sha256:[0-9a-f]{64}$/);
      if (id === erasureId) continue;
      expect(row.status).toBe(before.get(id)?.event.status);
      expect(event.id).toBe(id);
      for (const attempt of await attemptsOf(id)) {
        expect(attempt.response_excerpt).toBeNull();
        expect(JSON.parse(attempt.request_summary)).not.toHaveProperty("body");
      }
    }
    // The key that named her is a keyed hash of itself now: still unique on its route, no longer readable.
    const keyed = await eventRow(own[6] ?? "");
    expect(keyed.dedupe_key).toBe(await redactedDedupeKey(SALT, KEY_WITH_EMAIL));
    expect((await eventRow(own[5] ?? "")).dedupe_key).toBe(ometriaUnsubscribed.id);

    const order = JSON.parse((await eventRow(own[1] ?? "")).event_json);
    expect(order.data).toMatchObject({
      order_id: "100045",
      customer: { id: "5512", email: redactedEmail(hash), first_name: null, last_name: null },
      total: { amount_minor: 11485, currency: "EUR" },
    });

    // Events that only named her lose the raw body (and the mention); they are not hers, so not marked.
    for (const id of mentions) {
      expect((await storedText(id)).toLowerCase()).not.toContain("ada@example.com");
      expect(await eventRow(id)).toMatchObject({ raw_body: null, redacted_at: null, email_hash: null });
    }
    expect(JSON.parse((await eventRow(mentions[1] ?? "")).event_json).data.customer).toEqual({
      id: "6001",
      email: "linus@example.com",
      first_name: "Linus",
    });

    for (const id of others) expect(await snapshot(id)).toEqual(before.get(id));

    // Done is done: a later run finds nothing, and a new order of hers is new data, kept, yet recognisable.
    expect(await redactCompletedErasures(bridgeEnv, Date.now())).toEqual({
      erasures: 0,
      completed: 0,
      events: 0,
    });
    const later = await send("kooomo", kooomoOrder("100099", { id: 5512, email: "ADA@example.com" }));
    const laterEmail = JSON.parse((await eventRow(later)).event_json).data.customer.email;
    expect(laterEmail).toBe("ada@example.com");
    expect(await redactedByHash(await emailHash(SALT, laterEmail))).toEqual(
      expect.arrayContaining([...own, erasureId]),
    );
    expect(await redactCompletedErasures(bridgeEnv, Date.now())).toEqual({
      erasures: 0,
      completed: 0,
      events: 0,
    });
    expect((await eventRow(later)).redacted_at).toBeNull();
  });
});
