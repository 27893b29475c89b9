import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { parseReactions } from "../../src/config/reactions";
import { runDelivery } from "../../src/delivery/attempt/run-delivery";
import { deliveryContext } from "../../src/delivery/context";
import { planEvent } from "../../src/delivery/plan-event";
import type { DeadLetterMessage, DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { redactCompletedErasures } from "../../src/retention/redact-erasures";
import ometriaUpdated from "../fixtures/ometria/customer-updated.json";
import { adminJson } from "../support/admin";
import { injectFault, resetEmulator } from "../support/emulator";
import { recordingQueue } from "../support/recording-queue";
import { deliveriesOf, eventRow, storeUnqueued } from "../support/stored-events";
import { kooomoErasure, kooomoOrder } from "./payloads";

// The erasure as a defined sweep (issue 19, item 2): after the grace period, with Ometria failing every
// deletion, the address is found only in the one documented hold column (deliveries.held_event_json of the
// erasure's own deletion), in no other column of any table, no request summary and no dead letter. Driven step
// by step on the real D1 and the Membrane emulator, with a declarative reaction whose path holds the address
// and an Ometria template whose customer id is the address (so the event's subject holds it).

const EMAIL = "xavier.quill@example.org";
const CUSTOMER = { id: 9401, email: EMAIL, first_name: "Xavier", last_name: "Quill" };
/** Lower-case needles: the local part covers the address in any form (plain, %40, \u0040, masked domain). */
const NEEDLES = ["xavier", "quill"];
const HOLD = "deliveries.held_event_json";
const GRACE_MS = 5 * 60_000;

const base = loadConfig(env);

function harness() {
  const declarative = parseReactions(
    {
      "directory-by-email": {
        connection: "coupontools-demo",
        on: ["order.paid"],
        app: "other",
        request: {
          method: "POST",
          path: "/v4/directory/demo-directory/users/{data.customer.email}",
          body: '{"first_name": data.customer.first_name}',
        },
        idempotent: true,
      },
    },
    Object.keys(base.routes),
  );
  const dead = recordingQueue<DeadLetterMessage>();
  const testEnv = {
    ...env,
    EVENTS_QUEUE: recordingQueue<EventMessage>().queue,
    DELIVERIES_QUEUE: recordingQueue<DeliveryMessage>().queue,
    DEAD_LETTERS: dead.queue,
  };
  let now = Date.now();
  const ctx = deliveryContext(testEnv, {
    config: { ...base, reactions: [...base.reactions, ...declarative] },
    now: () => now,
  });
  return { ctx, testEnv, deadLetters: dead.sent, setNow: (t: number) => (now = t) };
}

/** Every column of every row of every D1 table holding a needle, as `table.column`. */
async function columnsHolding(): Promise<string[]> {
  const { results: tables } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
  ).all<{ name: string }>();
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["events", "deliveries", "attempts"]));
  const found: string[] = [];
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all<Record<string, unknown>>();
    for (const row of results)
      for (const [column, value] of Object.entries(row))
        if (
          NEEDLES.some((n) =>
            JSON.stringify(value ?? null)
              .toLowerCase()
              .includes(n),
          )
        )
          found.push(`${name}.${column}`);
  }
  return [...new Set(found)];
}

beforeEach(resetEmulator);

describe("the erasure sweep", () => {
  it("leaves the address only in the documented hold while Ometria fails every deletion", async () => {
    const { ctx, testEnv, deadLetters, setNow } = harness();
    const run = async (eventId: string) => {
      await planEvent(ctx, eventId, 1);
      for (const d of await deliveriesOf(eventId)) await runDelivery(ctx, { deliveryId: d.id });
    };
    const t0 = ctx.now();
    // A paid order: stamps, an Ometria push, and the declarative call whose path carries the address (404).
    const order = await storeUnqueued("kooomo", kooomoOrder("940001", CUSTOMER), { receivedAt: t0 });
    await run(order);
    const [directory] = (await deliveriesOf(order)).filter((d) => d.reaction === "directory-by-email");
    expect(directory).toMatchObject({ status: "dead" });
    // An Ometria template whose customer id is the address: the subject is `customers/<address>`.
    const update = await storeUnqueued(
      "ometria",
      {
        ...ometriaUpdated,
        id: "ometria-update-xq",
        contact: { ...ometriaUpdated.contact, email: EMAIL, customer_id: EMAIL },
      },
      { receivedAt: t0 },
    );
    expect((await eventRow(update)).subject).toBe(`customers/${EMAIL}`);
    const bySubject = await adminJson<{ events: unknown[] }>(
      `/events?subject=${encodeURIComponent(`customers/${EMAIL}`)}`,
    );
    expect(bySubject.events).toHaveLength(1);

    // Her erasure; Ometria fails every deletion, so the deletion keeps retrying.
    await injectFault({ match: { pathPrefix: "/data-deletion-requests" }, status: 500, times: 50 });
    const erasure = await storeUnqueued("kooomo", kooomoErasure("xq-erasure", CUSTOMER.id, EMAIL), {
      receivedAt: t0,
    });
    await run(erasure);
    const [deletion] = await deliveriesOf(erasure);
    expect(deletion).toMatchObject({ status: "retrying" });

    // The sweep, past the grace period; then the deletion tries again from what it holds, and fails again.
    await redactCompletedErasures(testEnv, t0 + GRACE_MS);
    expect((await eventRow(erasure)).redacted_at).not.toBeNull();
    expect((await deliveriesOf(erasure))[0]?.held_event_json).toContain(EMAIL);
    setNow(t0 + GRACE_MS);
    await runDelivery(ctx, { deliveryId: deletion?.id ?? "" });
    expect((await deliveriesOf(erasure))[0]).toMatchObject({ status: "retrying", attempts: 2 });

    expect(await columnsHolding()).toEqual([HOLD]);
    // The admin API says exactly which delivery holds it, never what it holds.
    const detail = await adminJson<{ deliveries: Array<{ id: string; holds_erased_address: boolean }> }>(
      `/events/${erasure}`,
    );
    expect(detail.deliveries.map((d) => [d.id, d.holds_erased_address])).toEqual([[deletion?.id, true]]);
    expect(JSON.stringify(detail).toLowerCase()).not.toContain("xavier");
    expect(
      deadLetters.filter((m) => NEEDLES.some((n) => JSON.stringify(m).toLowerCase().includes(n))),
    ).toEqual([]);
    expect(deadLetters.map((m) => m.body.deliveryId)).toContain(directory?.id);
    // The subject column is redacted with the event: the admin search no longer finds it by the address.
    expect((await eventRow(update)).subject).toMatch(/^customers\/redacted:hmac-sha256:[0-9a-f]{64}$/);
    const after = await adminJson<{ events: unknown[] }>(
      `/events?subject=${encodeURIComponent(`customers/${EMAIL}`)}`,
    );
    expect(after.events).toEqual([]);
    const byText = await adminJson<{ events: Array<{ id: string }> }>(
      `/events?q=${encodeURIComponent(`customers/${EMAIL}`)}`,
    );
    expect(byText.events).toEqual([]);
  });
});
