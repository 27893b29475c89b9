import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { runScheduled } from "../../src/cron";
import type { Env } from "../../src/env";
import ometriaUnsubscribed from "../fixtures/ometria/contact-unsubscribed.json";
import { deadLetters, resetDeadLetters } from "../support/dead-letters";
import { deliver } from "../support/deliveries";
import { emulatorState, injectFault, recordedRequests, resetEmulator } from "../support/emulator";
import { attemptsOf, deliveriesOf, eventRow, settled } from "../support/stored-events";
import { waitFor } from "../support/wait";
import { kooomoErasure, kooomoOrder } from "./payloads";

// The whole erasure through the real worker: ingress, queues, recipes against the Membrane emulator, D1, the
// real dead-letters queue (read by a recorder worker, vitest.config.ts) and the cron. Zelda's deletion at
// Ometria dies (400), one of her stamps fails with an answer echoing her details, two deliveries about her are
// unrecognized (the address escaped and padded, or inside a longer text): once the cron ran past the erasure's
// grace period, none of her details is left anywhere the bridge stores or sent to the dead-letters queue.

const bridgeEnv: Env = env;
const GRACE_MS = 5 * 60_000;
const EMAIL = "zelda.quartermaine@example.org";
const CUSTOMER = { id: 9301, email: EMAIL, first_name: "Zelda", last_name: "Quartermaine" };
const STREET = "17 Wobbleton Lane";
const PHONE = "+44 20 7946 0958";
/** What must appear nowhere, lower-case; the first name also covers the address in any form. */
const NEEDLES = ["zelda", "quartermaine", "wobbleton", "7946 0958", "79460958"];
const KEY_WITH_EMAIL = `contact.unsubscribed:${EMAIL}:2025-03-18 09:15:00.123456`;

/** Each needle found, with where: the table or queue and, for a row, the column. */
function hits(where: string, value: unknown): string[] {
  const fields = value !== null && typeof value === "object" ? Object.entries(value) : [["", value]];
  return fields.flatMap(([field, v]) => {
    const text = JSON.stringify(v ?? null).toLowerCase();
    return NEEDLES.filter((needle) => text.includes(needle)).map(
      (needle) => `${needle} in ${where}.${field}`,
    );
  });
}

/** Every row of every table of the bridge's D1, each as `table: row`. */
async function everyRow(): Promise<Array<[string, unknown]>> {
  const { results: tables } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
  ).all<{ name: string }>();
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["events", "deliveries", "attempts"]));
  const rows: Array<[string, unknown]> = [];
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    for (const row of results) rows.push([name, row]);
  }
  return rows;
}

const unknownEscaped = JSON.stringify({
  id: "ometria-p9301-anniversary",
  event: "contact.anniversary",
  contact: { email: `  ${EMAIL.toUpperCase()} `, name: "Zelda Quartermaine", street: STREET, phone: PHONE },
}).replace("@", "\\u0040");
const unknownInText = {
  id: "ometria-p9301-note",
  event: "contact.note_added",
  note: `Call Zelda Quartermaine on ${PHONE} or write to <${EMAIL}>, ${STREET}.`,
};

beforeEach(async () => {
  await resetEmulator();
  await resetDeadLetters();
});

describe("an erasure whose vendor deletion dies", () => {
  it("leaves none of the person's details in D1 or on the dead-letters queue, and still de-duplicates", async () => {
    // A failed stamp whose answer echoes what Coupontools knows of her.
    await injectFault({
      match: { pathPrefix: "/v3/loyaltyusers/update" },
      status: 422,
      body: { message: `Loyalty user Zelda Quartermaine <${EMAIL}>, ${STREET}, ${PHONE}: card blocked` },
    });
    const shipping = { shipping_address: { street: STREET, city: "Leeds", phone: PHONE } };
    const orderA = await deliver("kooomo", kooomoOrder("930001", CUSTOMER, shipping), { id: "msg_p9301_a" });
    expect(orderA.status).toBe(202);
    const orderAId = (await orderA.json<{ id: string }>()).id;
    expect((await settled(orderAId)).status).toBe("failed");

    const orderBPayload = kooomoOrder("930002", CUSTOMER, shipping);
    const orderB = await deliver("kooomo", orderBPayload, { id: "msg_p9301_b" });
    const unsubscribedPayload = {
      ...ometriaUnsubscribed,
      id: KEY_WITH_EMAIL,
      contact: { ...ometriaUnsubscribed.contact, email: EMAIL, firstname: "Zelda", lastname: "Quartermaine" },
    };
    const unsubscribed = await deliver("ometria", unsubscribedPayload);
    const escaped = await deliver("ometria", unknownEscaped);
    const inText = await deliver("ometria", unknownInText);
    const ids: string[] = [orderAId];
    for (const res of [orderB, unsubscribed, escaped, inText]) {
      expect(res.status).toBe(202);
      ids.push((await res.json<{ id: string }>()).id);
    }
    await Promise.all(ids.map((id) => settled(id)));
    expect((await eventRow(ids[3] ?? "")).status).toBe("unrecognized");

    // Her erasure: Ometria refuses the deletion.
    await injectFault({ match: { pathPrefix: "/data-deletion-requests" }, status: 400, times: 1 });
    const erasure = await deliver("kooomo", kooomoErasure("p9301-erasure", CUSTOMER.id, EMAIL));
    expect(erasure.status).toBe(202);
    const erasureId = (await erasure.json<{ id: string }>()).id;
    const request = await settled(erasureId);
    expect(request.status).toBe("failed");
    const [stamp] = (await deliveriesOf(orderAId)).filter((d) => d.reaction === "paid-order-stamps");
    const [deletion] = await deliveriesOf(erasureId);
    // The stamps go through a Membrane action: the vendor's echo of her details is in the action run's error
    // body, kept on the attempt (and in the last error when the call goes through the proxy).
    expect(stamp).toMatchObject({ status: "dead" });
    expect(JSON.stringify(await attemptsOf(orderAId))).toContain("Zelda");

    // Both dead deliveries reached the dead-letters queue, without her details even before the erasure.
    const letters = await waitFor(
      deadLetters,
      (sent) => [stamp?.id, deletion?.id].every((id) => sent.some((m) => m.deliveryId === id)),
      { what: "both dead letters" },
    );
    // Through an action the reason names the vendor's status; through the proxy it also quotes the vendor's
    // message, masked (test/events/personal-data.unit.test.ts covers the masking).
    const stampLetter = letters.find((m) => m.deliveryId === stamp?.id)?.reason ?? "";
    expect(stampLetter).toMatch(/HTTP 422/);
    expect(stampLetter).not.toMatch(/Zelda|Quartermaine/);

    // The cron, once the grace period is over.
    await runScheduled(bridgeEnv, request.received_at + GRACE_MS);

    const found = (await everyRow()).flatMap(([table, row]) => hits(table, row));
    const queued = (await deadLetters()).flatMap((message) => hits("dead letter", message));
    expect([...found, ...queued]).toEqual([]);

    // The erasure request keeps only the keyed hash, the customer id, when it was asked and its statuses; its
    // dead deletion stays visible to the operator.
    const kept = await eventRow(erasureId);
    expect(JSON.parse(kept.event_json).data).toEqual({
      customer_id: String(CUSTOMER.id),
      email: expect.stringMatching(/^redacted:hmac-sha256:[0-9a-f]{64}$/),
      requested_at: expect.any(String),
    });
    expect(kept).toMatchObject({ status: "failed", email_hash: expect.any(String) });
    expect((await deliveriesOf(erasureId))[0]).toMatchObject({
      status: "dead",
      last_error_code: "action_failed",
    });

    // Late vendor retries of her deliveries, one whose key held her address: duplicates, no reaction again.
    const before = {
      events: await env.DB.prepare("SELECT COUNT(*) AS n FROM events").first("n"),
      deliveries: await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries").first("n"),
      requests: (await recordedRequests()).length,
      stamps: (await emulatorState()).loyaltyUsers,
    };
    const retries = [
      [await deliver("kooomo", orderBPayload, { id: "msg_p9301_b" }), ids[1]],
      [await deliver("ometria", unsubscribedPayload), ids[2]],
    ] as const;
    for (const [res, id] of retries) {
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id, status: "duplicate" });
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect({
      events: await env.DB.prepare("SELECT COUNT(*) AS n FROM events").first("n"),
      deliveries: await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries").first("n"),
      requests: (await recordedRequests()).length,
      stamps: (await emulatorState()).loyaltyUsers,
    }).toEqual(before);
  });
});
