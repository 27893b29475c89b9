import { env, exports } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import coupontoolsValidated from "../fixtures/coupontools/coupon-validated.json";
import kooomoOrderPaid from "../fixtures/kooomo/order-paid.json";
import kooomoUnknown from "../fixtures/kooomo/unknown-event.json";
import ometriaUnsubscribed from "../fixtures/ometria/contact-unsubscribed.json";
import { countEvents, deliver, post, secrets, standardWebhookHeaders } from "../support/deliveries";

interface Accepted {
  id: string;
  status: string;
  recognized?: boolean;
  problems?: string[];
}

function fetchPath(path: string, init?: RequestInit) {
  return exports.default.fetch(new Request(`https://bridge.test${path}`, init));
}

async function storedEvent(id: string) {
  return env.DB.prepare("SELECT * FROM events WHERE id = ?1").bind(id).first<Record<string, unknown>>();
}

describe("accepting genuine deliveries", () => {
  it("stores a signed Kooomo order.paid as a typed CloudEvent and queues it", async () => {
    const res = await deliver("kooomo", kooomoOrderPaid, { id: "msg_paid_1" });
    expect(res.status).toBe(202);
    const body = await res.json<Accepted>();
    expect(body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: "accepted" });

    const row = await storedEvent(body.id);
    expect(row).toMatchObject({
      route: "kooomo",
      vendor: "kooomo",
      dedupe_key: "msg_paid_1",
      type: "order.paid",
      status: "queued",
      verification: "verified",
    });
    expect(row?.queued_at).toEqual(expect.any(Number));
    expect(row?.raw_body).toBe(JSON.stringify(kooomoOrderPaid));
    const headers = JSON.parse(String(row?.raw_headers));
    expect(headers["webhook-id"]).toBe("msg_paid_1");
    expect(headers).not.toHaveProperty("webhook-signature");

    const event = JSON.parse(String(row?.event_json));
    expect(event).toMatchObject({
      specversion: "1.0",
      id: body.id,
      source: "hookbridge/kooomo",
      type: "order.paid",
      datacontenttype: "application/json",
      vendor: "kooomo",
    });
    expect(event.data.total).toEqual({
      amount_minor: expect.any(Number),
      currency: expect.stringMatching(/^[A-Z]{3}$/),
    });
    expect(event.data.customer.email).toMatch(/@/);
  });

  it("accepts a Kooomo delivery signed by the public standardwebhooks library", async () => {
    const body = JSON.stringify({ ...kooomoOrderPaid, id: "evt_signed_by_library" });
    const timestamp = new Date();
    const signature = new Webhook(secrets.kooomo).sign("msg_library", timestamp, body);
    const res = await post("/webhooks/kooomo", body, {
      "webhook-id": "msg_library",
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signature,
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: "accepted" });
  });

  it("accepts Ometria with its static header token and Coupontools with its URL token (pending confirmation)", async () => {
    const ometria = await deliver("ometria", ometriaUnsubscribed);
    expect(ometria.status).toBe(202);
    const ometriaRow = await storedEvent((await ometria.json<Accepted>()).id);
    expect(ometriaRow).toMatchObject({ type: "contact.unsubscribed", verification: "verified" });
    expect(JSON.parse(String(ometriaRow?.raw_headers))).not.toHaveProperty("x-hookbridge-token");

    const coupontools = await deliver("coupontools", coupontoolsValidated);
    expect(coupontools.status).toBe(202);
    const row = await storedEvent((await coupontools.json<Accepted>()).id);
    expect(row).toMatchObject({
      type: "coupon.validated",
      dedupe_key: coupontoolsValidated.id,
      verification: "pending_confirmation",
    });
  });

  it("stores a verified delivery of an unknown event as unrecognized and still answers 202", async () => {
    const res = await deliver("kooomo", kooomoUnknown);
    expect(res.status).toBe(202);
    const body = await res.json<Accepted>();
    expect(body.status).toBe("accepted");
    expect(body.recognized).toBe(false);
    expect(body.problems?.length).toBeGreaterThan(0);
    expect(await storedEvent(body.id)).toMatchObject({
      type: "hookbridge.unrecognized",
      status: "unrecognized",
    });
  });
});

describe("de-duplication", () => {
  it("answers a repeated delivery 200 with the original event id", async () => {
    const first = await deliver("kooomo", kooomoOrderPaid, { id: "msg_repeat" });
    const second = await deliver("kooomo", kooomoOrderPaid, { id: "msg_repeat" });
    const original = await first.json<Accepted>();
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ id: original.id, status: "duplicate" });
  });

  it("stores exactly one event when identical deliveries arrive concurrently", async () => {
    const before = await countEvents();
    const responses = await Promise.all(
      Array.from({ length: 12 }, () =>
        deliver("coupontools", { ...coupontoolsValidated, id: "evt_concurrent" }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    const ids = new Set(await Promise.all(responses.map(async (r) => (await r.json<Accepted>()).id)));
    expect(ids.size).toBe(1);
    expect(await countEvents()).toBe(before + 1);
  });

  it("accepts a verified delivery without its de-duplication field, de-duplicating on the body's SHA-256", async () => {
    const body = JSON.stringify({ event: "contact.unsubscribed", contact: { email: "no-id@example.com" } });
    const headers = { "x-hookbridge-token": secrets.ometria };
    const first = await post("/webhooks/ometria", body, headers);
    expect(first.status).toBe(202);
    const { id } = await first.json<Accepted>();
    const row = await storedEvent(id);
    expect(row?.dedupe_key).toMatch(/^sha256:[0-9a-f]{64}$/);
    const again = await post("/webhooks/ometria", body, headers);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ id, status: "duplicate" });
  });

  it("keeps de-duplication per route: the same key on another route is a new event", async () => {
    const a = await deliver("ometria", { ...ometriaUnsubscribed, id: "evt_sharedkey" });
    const b = await deliver("coupontools", { ...coupontoolsValidated, id: "evt_sharedkey" });
    expect([a.status, b.status]).toEqual([202, 202]);
  });
});

describe("Coupontools event ids", () => {
  const asAttacker = (id: unknown) =>
    deliver(
      "coupontools",
      { ...coupontoolsValidated, id, data: { ...coupontoolsValidated.data, email: "mallory@example.com" } },
      { sentByCoupontools: false },
    );

  it("de-duplicates on the id exactly as delivered, which is the id later confirmed", async () => {
    const res = await deliver("coupontools", { ...coupontoolsValidated, id: "evt_Exact1" });
    const row = await storedEvent((await res.json<Accepted>()).id);
    expect(row).toMatchObject({ dedupe_key: "evt_Exact1" });
    expect(JSON.parse(String(row?.event_json))).toMatchObject({ vendoreventid: "evt_Exact1" });
  });

  it("stores the genuine id once and refuses whitespace variants of it with 400 invalid_event_id", async () => {
    const genuine = await deliver("coupontools", { ...coupontoolsValidated, id: "evt_Replay1" });
    expect(genuine.status).toBe(202);
    const before = await countEvents();
    for (const id of [
      " evt_Replay1",
      "evt_Replay1 ",
      "\tevt_Replay1",
      "evt_Replay1\n",
      "\u00a0evt_Replay1",
    ]) {
      const res = await asAttacker(id);
      expect(res.status, JSON.stringify(id)).toBe(400);
      const body = await res.json<{ error: { code: string; message: string } }>();
      expect(body.error.code).toBe("invalid_event_id");
      expect(body.error.message).toContain("evt_");
    }
    expect(await countEvents()).toBe(before);
    // The genuine id itself is still a duplicate, not a second event.
    expect((await asAttacker("evt_Replay1")).status).toBe(200);
    expect(await countEvents()).toBe(before);
  });

  it.each([
    ["a control character inside", "evt_Rep\u0000lay"],
    ["a zero-width space", "evt_Replay\u200b"],
    ["another prefix", "ev_Replay1"],
    ["punctuation", "evt_Replay-1"],
    ["nothing after the prefix", "evt_"],
    ["a number", 12345],
    ["an over-long id", `evt_${"a".repeat(65)}`],
    ["no id at all", undefined],
  ])("refuses an id with %s, storing nothing", async (_name, id) => {
    const before = await countEvents();
    const res = await asAttacker(id);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_event_id" } });
    expect(await countEvents()).toBe(before);
  });

  it("accepts the documented example id and long alphanumeric ids", async () => {
    expect(
      (await deliver("coupontools", { ...coupontoolsValidated, id: "evt_JsOKTu2rlzjZsxPaleUx" })).status,
    ).toBeLessThan(300);
    expect(
      (await deliver("coupontools", { ...coupontoolsValidated, id: `evt_${"A1".repeat(32)}` })).status,
    ).toBe(202);
  });
});

describe("rejecting bad input with a JSON error and nothing stored", () => {
  const cases: Array<[string, () => Promise<Response>, number, string]> = [
    ["unknown route", () => post("/webhooks/nope", "{}"), 404, "route_not_found"],
    ["unknown path", () => fetchPath("/elsewhere"), 404, "not_found"],
    ["wrong method", () => fetchPath("/webhooks/kooomo", { method: "GET" }), 405, "method_not_allowed"],
    [
      "missing signature",
      () => post("/webhooks/kooomo", JSON.stringify(kooomoOrderPaid)),
      401,
      "signature_missing",
    ],
    [
      "bad signature",
      async () => {
        const body = JSON.stringify(kooomoOrderPaid);
        const headers = await standardWebhookHeaders(
          "whsec_d3JvbmctLXNlY3JldC0tb2YtMzItYnl0ZXMtLS0tLQ==",
          "m1",
          body,
        );
        return post("/webhooks/kooomo", body, headers);
      },
      401,
      "signature_invalid",
    ],
    [
      "expired timestamp",
      async () => {
        const body = JSON.stringify(kooomoOrderPaid);
        const old = Math.floor(Date.now() / 1000) - 301;
        return post("/webhooks/kooomo", body, await standardWebhookHeaders(secrets.kooomo, "m2", body, old));
      },
      401,
      "timestamp_expired",
    ],
    [
      "future timestamp",
      async () => {
        const body = JSON.stringify(kooomoOrderPaid);
        const future = Math.floor(Date.now() / 1000) + 301;
        return post(
          "/webhooks/kooomo",
          body,
          await standardWebhookHeaders(secrets.kooomo, "m3", body, future),
        );
      },
      401,
      "timestamp_in_future",
    ],
    [
      "wrong header token",
      () => post("/webhooks/ometria", JSON.stringify(ometriaUnsubscribed), { "x-hookbridge-token": "nope" }),
      401,
      "token_invalid",
    ],
    [
      "missing URL token",
      () => post("/webhooks/coupontools", JSON.stringify(coupontoolsValidated)),
      401,
      "token_missing",
    ],
    [
      "not JSON content type",
      () => post("/webhooks/ometria", "a=b", { "content-type": "application/x-www-form-urlencoded" }),
      415,
      "unsupported_media_type",
    ],
    [
      "malformed JSON with a good token",
      () => post("/webhooks/ometria", '{"id": "x",', { "x-hookbridge-token": secrets.ometria }),
      400,
      "invalid_json",
    ],
    [
      "malformed JSON with a good signature",
      async () => {
        const body = '{"event": "order.paid", ';
        return post("/webhooks/kooomo", body, await standardWebhookHeaders(secrets.kooomo, "m4", body));
      },
      400,
      "invalid_json",
    ],
    [
      "empty body",
      () => post("/webhooks/ometria", "", { "x-hookbridge-token": secrets.ometria }),
      400,
      "invalid_json",
    ],
    [
      "declared body over the 1 MB default",
      () =>
        post("/webhooks/ometria", JSON.stringify({ id: "big", pad: "x".repeat(1024 * 1024) }), {
          "x-hookbridge-token": secrets.ometria,
        }),
      413,
      "payload_too_large",
    ],
    [
      "streamed body over the limit without Content-Length",
      () => {
        const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
        let sent = 0;
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            // Endless unless the bridge stops reading: proves it does not buffer an unbounded body.
            sent += chunk.byteLength;
            if (sent > 64 * 1024 * 1024) controller.close();
            else controller.enqueue(chunk);
          },
        });
        return post("/webhooks/ometria", stream, { "x-hookbridge-token": secrets.ometria });
      },
      413,
      "payload_too_large",
    ],
  ];

  it.each(cases)("%s", async (_name, send, status, code) => {
    const before = await countEvents();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const body = await res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    for (const secret of Object.values(secrets)) expect(JSON.stringify(body)).not.toContain(secret);
    expect(await countEvents()).toBe(before);
  });

  it("names POST in the Allow header of a 405", async () => {
    const res = await fetchPath("/webhooks/kooomo", { method: "PUT", body: "{}" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});
