import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { forgetActionDefinitions } from "../../src/delivery/actions/action-runner";
import { runDelivery } from "../../src/delivery/attempt/run-delivery";
import { type DeliveryContext, deliveryContext } from "../../src/delivery/context";
import type { DeadLetterMessage, DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { type DeliveryRow, planDeliveries } from "../../src/store/deliveries";
import {
  DEMO,
  emulatorState,
  recordedRequests,
  resetEmulator,
  setEmulatorSettings,
} from "../support/emulator";
import { paidOrderPayload } from "../support/orders";
import { reactionsWith } from "../support/reactions";
import { recordingQueue } from "../support/recording-queue";
import { storeUnqueued } from "../support/stored-events";

// Actions resolved in the workspace and inputs held to their schemas (issue 20): the emulator stands for a
// workspace whose stamps action names the amount `amount`, not the `stamps` the bridge's default input sends.
// Driven attempt by attempt on the real D1 and the Membrane emulator.

const base = loadConfig(env);

function harness(options: Record<string, unknown>, delivery: Record<string, unknown> = {}) {
  const config = {
    ...base,
    delivery: { ...base.delivery, ...delivery },
    reactions: reactionsWith("paid-order-stamps", options),
  };
  const testEnv = {
    ...env,
    EVENTS_QUEUE: recordingQueue<EventMessage>().queue,
    DELIVERIES_QUEUE: recordingQueue<DeliveryMessage>().queue,
    DEAD_LETTERS: recordingQueue<DeadLetterMessage>().queue,
  };
  const ctx: DeliveryContext = deliveryContext(testEnv, { config });
  return ctx;
}

async function planned(id: string, email: string): Promise<DeliveryRow> {
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
  return row;
}

const vendorCalls = async () => (await recordedRequests()).filter((r) => r.vendorPath !== null);
const stampsOf = async (email: string) =>
  (await emulatorState()).loyaltyUsers.filter((u) => u.email === email).map((u) => u.stamps);

beforeEach(async () => {
  await resetEmulator();
  forgetActionDefinitions();
});
afterEach(forgetActionDefinitions);

describe("a workspace whose stamps action names the amount otherwise", () => {
  it("fails the stamps delivery before any vendor call, naming the field and the setting; the rename fixes it", async () => {
    await setEmulatorSettings({ actionInputRenames: { "add-stamps-to-loyalty-card": { stamps: "amount" } } });
    const row = await planned("ai-1", "renamed@example.com");
    const step = await runDelivery(harness({}), { deliveryId: row.id });
    expect(step).toMatchObject({
      step: "attempted",
      status: "dead",
      outcome: "permanent",
      code: "action_input_invalid",
    });
    const reason = (step as { reason: string }).reason;
    expect(reason).toContain('"amount" is required and missing');
    expect(reason).toContain('"stamps" is not in its input schema');
    expect(reason).toContain(
      '[vars.REACTIONS.paid-order-stamps] options.actions.add_stamps, e.g. { rename = { stamps = "amount" } }',
    );
    // Only the definitions were read: no action ran, no vendor was called.
    expect(await vendorCalls()).toEqual([]);
    expect((await recordedRequests()).every((r) => r.method === "GET")).toBe(true);

    // The setting the error names: the next order gets its stamp, the amount sent under the workspace's name.
    const fixed = harness({ actions: { add_stamps: { rename: { stamps: "amount" } } } });
    const again = await planned("ai-2", "renamed@example.com");
    expect(await runDelivery(fixed, { deliveryId: again.id })).toMatchObject({ status: "succeeded" });
    expect(await stampsOf("renamed@example.com")).toEqual([1]);
    const act = (await recordedRequests()).find(
      (r) => r.path === "/act" && JSON.stringify(r.body).includes('"amount"'),
    );
    expect(act?.body).toMatchObject({
      id: "act_coupontools_add-stamps-to-loyalty-card",
      input: { amount: 1 },
    });
  });

  it("a map fits the input too, and runs the action by the id the workspace gave", async () => {
    await setEmulatorSettings({ actionInputRenames: { "add-stamps-to-loyalty-card": { stamps: "amount" } } });
    const map = '{"loyaltyCardId": loyaltyCardId, "userId": userId, "amount": stamps * 1}';
    const ctx = harness({ actions: { add_stamps: { map } } });
    const row = await planned("ai-3", "mapped@example.com");
    expect(await runDelivery(ctx, { deliveryId: row.id })).toMatchObject({ status: "succeeded" });
    expect(await stampsOf("mapped@example.com")).toEqual([1]);
  });
});

describe("an action the workspace does not have", () => {
  it("is sent unchecked and marked (the default), and Membrane's refusal fails the delivery", async () => {
    const ctx = harness({ actions: { add_stamps: "add-points-to-card" } });
    const row = await planned("ai-4", "unknown-key@example.com");
    const step = await runDelivery(ctx, { deliveryId: row.id });
    expect(step).toMatchObject({ status: "dead", code: "not_found" });
    const attempt = await env.DB.prepare("SELECT input_unchecked FROM attempts WHERE delivery_id = ?1")
      .bind(row.id)
      .first<{ input_unchecked: number | null }>();
    expect(attempt?.input_unchecked).toBe(1);
  });

  it("is refused before sending when DELIVERY.unchecked_action_inputs is refuse", async () => {
    const ctx = harness(
      { actions: { add_stamps: "add-points-to-card" } },
      { unchecked_action_inputs: "refuse" },
    );
    const row = await planned("ai-5", "refused@example.com");
    const step = await runDelivery(ctx, { deliveryId: row.id });
    expect(step).toMatchObject({ status: "dead", code: "action_unresolved" });
    expect((step as { reason: string }).reason).toMatch(
      /add-points-to-card on coupontools-demo: its definition could not be read/,
    );
    // Refused before the run: no action ran at all.
    expect((await recordedRequests()).filter((r) => r.path === "/act")).toEqual([]);
  });
});
