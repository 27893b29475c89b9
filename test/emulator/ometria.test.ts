import { beforeEach, describe, expect, it } from "vitest";
import { callEmulator, DEMO, emulatorState, resetEmulator, setEmulatorSettings } from "../support/emulator";

beforeEach(resetEmulator);

const authorization = `Bearer ${DEMO.staticToken}`;
async function ometria(path: string, body?: unknown) {
  const res = await callEmulator(`/connections/${DEMO.ometria}/proxy${path}`, { authorization, body });
  return {
    status: res.status,
    retryAfter: res.headers.get("retry-after"),
    body: (await res.json()) as unknown,
  };
}

describe("push", () => {
  it("merges records by type and id, and counts invalid ones as rejected", async () => {
    await ometria("/push", [{ "@type": "contact", id: "c-1", email: "ada@example.com", firstname: "Ada" }]);
    // One record type per request (docs): the order goes in a request of its own.
    const second = await ometria("/push", [
      { "@type": "contact", id: "c-1", marketing_optin: "EXPLICITLY_OPTEDIN" },
      { "@type": "contact", id: "c-2" },
      { id: "no-type" },
    ]);
    await ometria("/push", [{ "@type": "order", id: "c-1", grand_total: 10 }]);

    expect(second).toMatchObject({
      status: 200,
      body: { status: "OK", accepted: 2, rejected: 1, request_id: expect.any(String) },
    });
    expect((await emulatorState()).pushedRecords).toEqual([
      {
        connectionId: DEMO.ometria,
        "@type": "contact",
        id: "c-1",
        email: "ada@example.com",
        firstname: "Ada",
        marketing_optin: "EXPLICITLY_OPTEDIN",
      },
      { connectionId: DEMO.ometria, "@type": "contact", id: "c-2" },
      { connectionId: DEMO.ometria, "@type": "order", id: "c-1", grand_total: 10 },
    ]);
  });

  it("refuses more than 100 records, or a body that is not an array", async () => {
    const records = Array.from({ length: 101 }, (_, i) => ({ "@type": "contact", id: `c-${i}` }));
    expect((await ometria("/push", records)).status).toBe(400);
    expect((await ometria("/push", { "@type": "contact", id: "c-1" })).status).toBe(400);
    expect((await emulatorState()).pushedRecords).toEqual([]);
  });

  it("refuses a record over 60 KB, and a request mixing record types", async () => {
    const big = { "@type": "contact", id: "c-1", note: "x".repeat(61 * 1024) };
    const tooLarge = await ometria("/push", [big]);
    const mixed = await ometria("/push", [
      { "@type": "contact", id: "c-1" },
      { "@type": "order", id: "o-1" },
    ]);
    expect(tooLarge).toMatchObject({
      status: 400,
      body: { message: "Payload invalid: Record is too large." },
    });
    expect(mixed.status).toBe(400);
    expect((await emulatorState()).pushedRecords).toEqual([]);
  });

  it("answers the 9th push within a second with 429", async () => {
    const statuses = await Promise.all(
      Array.from(
        { length: 9 },
        async (_, i) => (await ometria("/push", [{ "@type": "contact", id: `c-${i}` }])).status,
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(8);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
  });

  it("counts pushes per connection in a sliding second, forgotten on reset", async () => {
    const push = (i: number) => ometria("/push", [{ "@type": "contact", id: `c-${i}` }]);
    const started = Date.now();
    for (let i = 0; i < 8; i++) expect((await push(i)).status).toBe(200);
    const limited = await push(8);
    expect(limited).toMatchObject({ status: 429, retryAfter: "1" });
    // Pushes answered 429 are not counted: once the first 8 are a second old, pushes pass again.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 1_050 - Date.now())));
    expect((await push(9)).status).toBe(200);

    for (let i = 10; i < 17; i++) await push(i);
    expect((await push(17)).status).toBe(429);
    await resetEmulator();
    expect((await push(18)).status).toBe(200);
  });

  it("serves the API under the configured base path only", async () => {
    await setEmulatorSettings({ ometriaBasePath: "/v2" });
    expect((await ometria("/push", [{ "@type": "contact", id: "c-1" }])).status).toBe(404);
    expect((await ometria("/v2/push", [{ "@type": "contact", id: "c-1" }])).status).toBe(200);
  });
});

describe("data deletion requests", () => {
  it("creates and reads back requests", async () => {
    const created = await ometria("/data-deletion-requests", { email: "ada@example.com", comment: "GDPR" });
    expect(created).toMatchObject({
      status: 201,
      body: { id: "1", email: "ada@example.com", comment: "GDPR", status: "pending" },
    });
    expect((await ometria("/data-deletion-requests/1")).body).toEqual(created.body);
    expect((await ometria("/data-deletion-requests")).body).toEqual([created.body]);
    expect((await ometria("/data-deletion-requests/2")).status).toBe(404);
  });

  it("allows 6 per minute per connection, then answers 429 with Retry-After", async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await ometria("/data-deletion-requests", { email: `u${i}@example.com` })).status);
    const limited = await ometria("/data-deletion-requests", { email: "u7@example.com" });

    expect(statuses).toEqual([201, 201, 201, 201, 201, 201]);
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(60);
    expect((await emulatorState()).deletionRequests).toHaveLength(6);
  });

  it("requires an e-mail", async () => {
    expect((await ometria("/data-deletion-requests", { comment: "no email" })).status).toBe(400);
  });
});
