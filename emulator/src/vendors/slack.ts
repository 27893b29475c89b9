import { Hono } from "hono";
import type { VendorEnv } from "./vendor-app";

/**
 * A demo chat app for the bridge's alert reactions, shaped after Slack's Web API method chat.postMessage
 * (docs.slack.dev/reference/methods/chat.postMessage): `channel` is required, and `text` or `blocks`; the
 * answer is HTTP 200 with `{ok: true, channel, ts, message}`, or HTTP 200 with `{ok: false, error}`. Only
 * those two documented rules are enforced; it is a demo app, lenient about everything else (no auth scopes,
 * no channel list, no rate tier), and keeps nothing: the emulator's request log shows what was posted.
 */
export const slack = new Hono<VendorEnv>();

slack.post("/chat.postMessage", async (c) => {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return c.json({ ok: false, error: "invalid_json" });
  }
  const message = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  if (typeof message.channel !== "string" || message.channel === "")
    return c.json({ ok: false, error: "channel_not_found" });
  if (typeof message.text !== "string" && !Array.isArray(message.blocks))
    return c.json({ ok: false, error: "no_text" });
  const ts = (c.env.now() / 1000).toFixed(6);
  return c.json({
    ok: true,
    channel: message.channel,
    ts,
    message: { type: "message", text: message.text, ts },
  });
});
