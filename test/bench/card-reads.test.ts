import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { runDelivery } from "../../src/delivery/attempt/run-delivery";
import { deliveryContext } from "../../src/delivery/context";
import type { DeadLetterMessage, DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { planDeliveries } from "../../src/store/deliveries";
import {
  DEMO,
  emulatorTraffic,
  resetEmulator,
  seedLoyaltyUsers,
  setEmulatorSettings,
} from "../support/emulator";
import { paidOrderPayload } from "../support/orders";
import { recordingQueue } from "../support/recording-queue";
import { storeUnqueued } from "../support/stored-events";

// What one paid order costs in Membrane calls and bytes read, for a new and a returning customer, on loyalty
// cards of different sizes (BENCH_CARD_SIZES; `npm run bench` compares 1,000 and 100,000 users), for an address
// the v3 search takes and one it does not: the stamps reaction as shipped (via actions, list pages of 100).
// Printed for the bench, and bounded: a customer the search can find costs the same on any card.

const CARD = "demo-card";
const SIZES = env.BENCH_CARD_SIZES.split(",").map(Number);
const config = loadConfig(env);
// A long lease: a walk of a large card must not stop for the test configuration's 20 s lease.
const ctx = deliveryContext(
  {
    ...env,
    EVENTS_QUEUE: recordingQueue<EventMessage>().queue,
    DELIVERIES_QUEUE: recordingQueue<DeliveryMessage>().queue,
    DEAD_LETTERS: recordingQueue<DeadLetterMessage>().queue,
  },
  { config: { ...config, delivery: { ...config.delivery, lease_ms: 3_600_000 } } },
);

interface Cost {
  calls: number;
  bytes: number;
}

/** One paid order of `email` through the stamps reaction; what it cost on the Coupontools connection. */
async function order(id: string, email: string): Promise<Cost> {
  const eventId = await storeUnqueued("kooomo", paidOrderPayload(id, { email }));
  const [row] = await planDeliveries(
    env.DB,
    eventId,
    [
      {
        reaction: "paid-order-stamps",
        recipe: "coupontools.add-stamps",
        connectionId: DEMO.coupontools,
        eventSeq: 1,
      },
    ],
    Date.now(),
  );
  if (!row) throw new Error("not planned");
  const before = (await emulatorTraffic())[DEMO.coupontools] ?? { requests: 0, answerBytes: 0 };
  const step = await runDelivery(ctx, { deliveryId: row.id });
  expect(step).toMatchObject({ status: "succeeded" });
  const after = (await emulatorTraffic())[DEMO.coupontools] ?? before;
  return { calls: after.requests - before.requests, bytes: after.answerBytes - before.answerBytes };
}

const SHAPES = { searchable: "reader-", other: "reader." } as const;
type Case = `${"new" | "returning"}, ${keyof typeof SHAPES}`;

async function costs(users: number): Promise<Record<Case, Cost>> {
  await resetEmulator();
  await seedLoyaltyUsers({ loyaltycard: CARD, count: users, localPrefix: "member." });
  await setEmulatorSettings({ listPageSize: 100 });
  // Action definitions are read once per isolate: a first order reads them, so the ones measured do not.
  await order(`warm-${users}`, `warm-up-${users}@example.com`);
  const result: Partial<Record<Case, Cost>> = {};
  for (const [shape, prefix] of Object.entries(SHAPES) as [keyof typeof SHAPES, string][]) {
    const email = `${prefix}${users}@example.com`;
    result[`new, ${shape}`] = await order(`new-${shape}-${users}`, email);
    result[`returning, ${shape}`] = await order(`again-${shape}-${users}`, email);
  }
  return result as Record<Case, Cost>;
}

it("prints what one order costs on cards of each size, and holds a searchable customer's cost to the card's size", {
  timeout: 600_000,
}, async () => {
  const bySize = new Map<number, Record<Case, Cost>>();
  for (const size of SIZES) bySize.set(size, await costs(size));

  const cases: Case[] = ["new, searchable", "returning, searchable", "new, other", "returning, other"];
  const cell = (c: Cost) => `${c.calls} / ${(c.bytes / 1024).toFixed(1)}`.padStart(14);
  const lines = [
    "card reads per order (stamps via actions, list pages of 100; Membrane calls / KiB read):",
    `  ${"card users".padEnd(10)}${cases.map((c) => c.padStart(24)).join("")}`,
    ...[...bySize].map(
      ([size, cost]) =>
        `  ${size.toLocaleString("en-US").padEnd(10)}${cases.map((c) => cell(cost[c]).padStart(24)).join("")}`,
    ),
    "  'searchable': a local part the v3 search takes (3+ of A-Z a-z 0-9 - _ @), found by one search; 'other': a " +
      "'.' or '+' in it, so the card's list is read page by page until the customer's page (preflight: lookups)",
  ];
  for (const line of lines) console.log(line);

  const [small, large] = [SIZES[0] ?? 0, SIZES.at(-1) ?? 0].map((s) => bySize.get(s));
  if (!small || !large) throw new Error("no sizes");
  for (const c of ["new, searchable", "returning, searchable"] as const) {
    expect(large[c].calls, c).toBe(small[c].calls);
    // The same answers but for the ids' digits.
    expect(large[c].bytes / small[c].bytes, c).toBeLessThan(1.05);
  }
  // A returning customer is looked up no more: only their balance is read before the stamp.
  expect(small["returning, searchable"].calls).toBeLessThan(small["new, searchable"].calls);
  // An address the search cannot take walks the card: its cost grows with it (and the line above says why).
  expect(large["returning, other"].calls).toBeGreaterThan(small["returning, other"].calls);
});
