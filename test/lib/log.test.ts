import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { consumeBatch } from "../../src/delivery/consumer";
import { log, redact, setLogLevel } from "../../src/lib/log";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import { deliver, secrets } from "../support/deliveries";
import { resetEmulator } from "../support/emulator";
import { deliveriesOf } from "../support/stored-events";
import { waitFor } from "../support/wait";

describe("redact", () => {
  it("masks e-mail addresses anywhere in strings, keeping the domain", () => {
    expect(redact("failed for Ada.L@Example.com and bob@shop.co.uk")).toBe(
      "failed for ***@Example.com and ***@shop.co.uk",
    );
  });

  it("replaces values of secret-named fields, at any depth, and leaves other values alone", () => {
    expect(
      redact({
        token: "t",
        nested: { api_key: "k", Authorization: "Bearer x", list: [{ password: "p", email: "a@b.io" }] },
        count: 3,
        missing: null,
      }),
    ).toEqual({
      token: "[redacted]",
      nested: {
        api_key: "[redacted]",
        Authorization: "[redacted]",
        list: [{ password: "[redacted]", email: "***@b.io" }],
      },
      count: 3,
      missing: null,
    });
  });
});

describe("log lines", () => {
  let lines: string[] = [];
  beforeEach(async () => {
    await resetEmulator();
    lines = [];
    for (const level of ["log", "warn", "error"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
    }
  });
  afterEach(() => {
    setLogLevel("info");
    vi.restoreAllMocks();
  });

  it("are one JSON object each", () => {
    log("info", "test.line", { email: "someone@example.com", a: 1 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      level: "info",
      msg: "test.line",
      email: "***@example.com",
      a: 1,
    });
  });

  it("below the LOG_LEVEL are dropped, the others kept", () => {
    setLogLevel("warn");
    log("info", "test.info");
    log("warn", "test.warn");
    log("error", "test.error");
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(["test.warn", "test.error"]);
    setLogLevel("error");
    log("warn", "test.warn");
    expect(lines).toHaveLength(2);
  });

  it("never carry a customer's e-mail, a webhook secret or a Membrane token through ingress and delivery", async () => {
    const email = orderPaid.data.customer.email;
    const accepted = await deliver("kooomo", { ...orderPaid, id: "evt_log_check" });
    const { id: eventId } = await accepted.json<{ id: string }>();
    // Rejected deliveries log too: a wrong token must not appear either.
    await deliver("ometria", "{not json");
    const batch = createMessageBatch("hookbridge-events", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { eventId } },
    ]);
    const ctx = createExecutionContext();
    await consumeBatch(batch, env);
    await getQueueResult(batch, ctx);
    const deliveries = createMessageBatch(
      "hookbridge-deliveries",
      ["paid-order-stamps", "orders-to-ometria"].map((reaction, i) => ({
        id: `d${i}`,
        timestamp: new Date(),
        attempts: 1,
        body: { deliveryId: `${eventId}:${reaction}` },
      })),
    );
    await consumeBatch(deliveries, env);
    await getQueueResult(deliveries, ctx);
    // The consumer hands the deliveries to their connections' lanes, which run them right after.
    await waitFor(
      () => deliveriesOf(eventId),
      (rows) => rows.length === 2 && rows.every((d) => d.status === "succeeded"),
      { what: "both deliveries" },
    );

    const output = lines.join("\n");
    expect(output).toMatch(/"msg":"ingress"/);
    expect(output).toMatch(/"msg":"delivery.attempt"/);
    for (const secret of [
      email,
      ...Object.values(secrets),
      String(env.MEMBRANE_WORKSPACE_SECRET),
      "Bearer ",
    ]) {
      expect(output).not.toContain(secret);
    }
  });
});
