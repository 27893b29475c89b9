import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { runScheduled } from "../src/cron";
import type { Env } from "../src/env";
import { ConfigError } from "../src/errors";
import worker from "../src/index";
import { kooomoErasure, kooomoOrder, send } from "./retention/payloads";
import { resetEmulator } from "./support/emulator";
import { eventRow, settled } from "./support/stored-events";

// The cron work with its real steps, real D1 and queues; the clock is chosen by the test.

const bridgeEnv: Env = env;
const DAY_MS = 86_400_000;

beforeEach(resetEmulator);

describe("the cron run", () => {
  it("runs every step even when one fails, then fails as a whole", async () => {
    const order = await send("kooomo", kooomoOrder("500001", { id: 9001, email: "erin@example.com" }));
    const request = await send("kooomo", kooomoErasure("frank-erasure", 9002, "frank@example.com"));
    await Promise.all([settled(order), settled(request)]);
    const brokenRetention = { ...bridgeEnv, RETENTION: { raw_payload_days: 0 } };

    const now = Date.now() + 31 * DAY_MS;
    const run = runScheduled(brokenRetention, now);
    await expect(run).rejects.toBeInstanceOf(AggregateError);
    await expect(run).rejects.toMatchObject({ errors: [expect.any(ConfigError)] });
    // Retention failed; the erasure step after it still ran.
    expect((await eventRow(order)).raw_body).toEqual(expect.any(String));
    expect(await eventRow(request)).toMatchObject({ raw_body: null, redacted_at: now });
  });

  it("is what the scheduled handler runs, at the controller's scheduled time", async () => {
    const order = await send("kooomo", kooomoOrder("500002", { id: 9003, email: "gina@example.com" }));
    await settled(order);

    const ctx = createExecutionContext();
    const controller = createScheduledController({
      scheduledTime: Date.now() + 31 * DAY_MS,
      cron: "* * * * *",
    });
    await worker.scheduled(controller, bridgeEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(await eventRow(order)).toMatchObject({ raw_body: null, raw_headers: "{}" });
    // The dashboard's connection charts: the finished hours rolled up, up to the last one before the run.
    const rolled = await env.DB.prepare("SELECT through FROM rollups WHERE name = 'attempt_hours'").first();
    // (DELIVERY.lease_ms is 20 s in tests: vitest.config.ts.)
    expect(rolled?.through).toBe(Math.floor((controller.scheduledTime - 20_000) / 3_600_000) * 3_600_000);
  });
});
