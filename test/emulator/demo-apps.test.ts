import { beforeEach, describe, expect, it } from "vitest";
import { callEmulator, DEMO, resetEmulator } from "../support/emulator";

// The emulator's additions for issue 10: the slack-demo chat app and Coupontools' /v3/send/email, each held
// only to the rules its source documents.

beforeEach(resetEmulator);

const authorization = `Bearer ${DEMO.staticToken}`;
async function proxy(connection: string, path: string, body: unknown) {
  const res = await callEmulator(`/connections/${connection}/proxy${path}`, { authorization, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("slack-demo chat.postMessage", () => {
  it("answers ok with a ts for a channel and text, and ok:false (HTTP 200) without them", async () => {
    const posted = await proxy("slack-demo", "/chat.postMessage", { channel: "#ops", text: "hi" });
    expect(posted).toMatchObject({
      status: 200,
      body: { ok: true, channel: "#ops", ts: expect.any(String) },
    });
    expect(await proxy("slack-demo", "/chat.postMessage", { text: "hi" })).toEqual({
      status: 200,
      body: { ok: false, error: "channel_not_found" },
    });
    expect(await proxy("slack-demo", "/chat.postMessage", { channel: "#ops" })).toEqual({
      status: 200,
      body: { ok: false, error: "no_text" },
    });
  });
});

describe("Coupontools send-coupon-by-email", () => {
  it("the action sends /v3/send/email with campaign and e-mail, which the vendor route requires", async () => {
    const res = await callEmulator("/act", {
      authorization,
      body: {
        key: "send-coupon-by-email",
        connectionId: DEMO.coupontools,
        input: { campaignId: "vip", email: "ada@example.com", firstName: "Ada" },
      },
    });
    expect(res.status).toBe(200);
    const refused = await proxy(DEMO.coupontools, "/v3/send/email", { email: "ada@example.com" });
    expect(JSON.stringify(refused.body)).toMatch(/campaign/);
  });
});
