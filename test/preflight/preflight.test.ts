import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { sampleEvent } from "../../src/events/samples";
import { eventDataSchemas, eventTypes } from "../../src/events/types";
import { runPreflight } from "../../src/preflight/preflight";
import { adminJson } from "../support/admin";
import { DEMO, emulatorClient, resetEmulator, setEmulatorSettings } from "../support/emulator";
import { reactionsWith } from "../support/reactions";

// The configuration checked against the (emulated) workspace: the shipped reactions (the tests' table: the
// alert reaction aside) with the emulator's default schemas pass; a renamed field or a disconnected connection
// is reported, naming what to change.

const config = loadConfig(env);
const client = emulatorClient();

beforeEach(resetEmulator);

describe("preflight", () => {
  it("passes against the emulator as shipped: connections, every action and its input, the proxy probes", async () => {
    const report = await runPreflight(config, client);
    expect(report.checks.filter((c) => c.result === "fail")).toEqual([]);
    expect(report.ok).toBe(true);
    const rows = report.checks.map((c) => `${c.result} ${c.subject} · ${c.check}`);
    expect(rows).toEqual(
      expect.arrayContaining([
        `ok connection ${DEMO.coupontools} · exists and is connected`,
        `ok connection ${DEMO.ometria} · exists and is connected`,
        "ok reaction paid-order-stamps · action find_user (list-loyalty-card-users) on order.paid",
        "ok reaction paid-order-stamps · action create_user (create-loyalty-card-user) on order.paid",
        "ok reaction paid-order-stamps · action add_stamps (add-stamps-to-loyalty-card) on order.paid",
        "ok reaction erasure-to-ometria · action create_request (create-gdpr-deletion-request) on customer.erasure_requested",
        "ok reaction vip-coupon-by-email · action (send-coupon-by-email) on order.paid",
        "ok reaction orders-to-ometria · proxy probe",
        // The stamps reaction searches the card through the proxy (find_by "auto"), whatever its path.
        "ok reaction paid-order-stamps · proxy probe",
      ]),
    );
    // And it says where its lookups grow with the card.
    expect(
      report.checks.filter((c) => c.subject === "reaction paid-order-stamps" && c.result === "note"),
    ).toEqual([
      expect.objectContaining({
        check: "lookups",
        detail: expect.stringMatching(/found by one search.*'\.'.*page by page.*grows with the card/),
      }),
      expect.objectContaining({
        check: "lookups",
        detail: expect.stringMatching(/returning customer's user is remembered/),
      }),
    ]);
  });

  it("reports a renamed field with the setting that fits it, and a disconnected connection", async () => {
    await setEmulatorSettings({
      actionInputRenames: { "add-stamps-to-loyalty-card": { stamps: "amount" } },
      disconnectedConnections: [DEMO.ometria],
    });
    const report = await runPreflight(config, client);
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => c.result === "fail")).toEqual([
      expect.objectContaining({
        subject: `connection ${DEMO.ometria}`,
        detail: "ometria, disconnected: reconnect it in Membrane",
      }),
      expect.objectContaining({
        subject: "reaction paid-order-stamps",
        check: "action add_stamps (add-stamps-to-loyalty-card) on order.paid",
        detail: expect.stringContaining(
          'options.actions.add_stamps, e.g. { rename = { stamps = "amount" } }',
        ),
      }),
    ]);
  });

  it("reports an action the workspace does not have", async () => {
    const reactions = reactionsWith("paid-order-stamps", { actions: { add_stamps: "add-points" } });
    const report = await runPreflight({ ...config, reactions }, client);
    expect(report.checks.filter((c) => c.result === "fail")).toEqual([
      expect.objectContaining({
        check: "action add_stamps (add-points) on order.paid",
        detail: expect.stringMatching(/^does not resolve on coupontools-demo: Membrane 404/),
      }),
    ]);
  });

  it("is served by the admin API, cached for a while, run again on refresh", async () => {
    const first = await adminJson<{ ok: boolean; cached: boolean; checks: unknown[] }>("/preflight");
    expect(first).toMatchObject({ ok: true, cached: false });
    expect(await adminJson("/preflight")).toMatchObject({
      cached: true,
      checked_at: (first as { checked_at?: string }).checked_at,
    });
    expect(await adminJson("/preflight?refresh=true")).toMatchObject({ cached: false });
    expect(await adminJson("/preflight?refresh=maybe", { status: 400 })).toMatchObject({
      error: { code: "invalid_request" },
    });
  });
});

describe("sample events", () => {
  it("one per type, each valid for its schema", () => {
    for (const type of eventTypes)
      expect(eventDataSchemas[type].safeParse(sampleEvent(type).data).success, type).toBe(true);
  });
});
