import type { Handler } from "hono";
import type { AppEnv } from "../app-env";
import { redactionSalt } from "../config/redaction-salt";
import { routeSecrets } from "../config/routes";
import { enqueueEvents } from "../delivery/outbox";
import { PayloadError, StorageError } from "../errors";
import { eventEmail } from "../events/personal-data";
import { emailKeyedHash } from "../lib/crypto";
import { uuidv7 } from "../lib/ids";
import { log } from "../lib/log";
import { insertEvent } from "../store/events";
import { vendors } from "../vendors";
import { auditHeaders } from "./audit-headers";
import { parseJsonBody } from "./body";
import { buildEvent } from "./build-event";
import { dedupeHash, dedupeKey } from "./dedupe-key";
import { createVerifier } from "./verifiers";

/**
 * POST /webhooks/:route, after the route, content-type and size checks: verify, parse, normalize, store,
 * then queue. The answer is sent only once the row is in D1, so an acknowledged delivery is never lost.
 */
export const receive: Handler<AppEnv> = async (c) => {
  const route = c.var.route;
  const started = Date.now();
  const receivedAt = new Date(started);
  const decision = (outcome: string, fields: Record<string, unknown> = {}) =>
    log("info", "ingress", { route: route.name, outcome, ms: Date.now() - started, ...fields });

  {
    const body = c.var.body;
    const verification = await createVerifier(route.verifier)({
      headers: c.req.raw.headers,
      url: new URL(c.req.url),
      body,
      secrets: routeSecrets(route, c.env),
      now: receivedAt,
    });
    const { text, json } = parseJsonBody(body);
    const key = await dedupeKey(route, c.req.raw.headers, json, body);
    const event = buildEvent(uuidv7(started), route, vendors[route.vendor].normalize(json), receivedAt);

    const salt = redactionSalt(c.env);
    const email = eventEmail(event);
    const stored = await insertEvent(c.env.DB, {
      event,
      ...(email && { searchEmailHash: await emailKeyedHash(salt, email) }),
      route: route.name,
      dedupeKey: key,
      dedupeHash: await dedupeHash(salt, key),
      verification,
      receivedAt: started,
      queuedAt: started,
      rawBody: text,
      rawHeaders: auditHeaders(route, c.req.raw.headers),
    }).catch((error: unknown) => {
      // A body just under the limit can still make the row too big for D1 (event and headers share it).
      if (/TOOBIG|too big/i.test(String(error))) {
        throw new PayloadError(
          "payload_too_large",
          "Body is too large to store (D1 rows hold at most 1,000,000 bytes).",
          413,
        );
      }
      log("error", "ingress.store_failed", { route: route.name, error: String(error) });
      throw new StorageError("The delivery could not be stored; retry later.");
    });

    if (!stored.inserted) {
      // A retry of a delivery whose queue send failed earlier gets it queued now.
      if (!stored.queued) await enqueueEvents(c.env, [stored.id]);
      decision("duplicate", { event_id: stored.id });
      return c.json({ id: stored.id, status: "duplicate" }, 200);
    }
    // A failed send is not an error for the sender: the event is stored and the cron sweep queues it.
    const queued = await enqueueEvents(c.env, [stored.id], { storedAsQueued: true });
    decision("accepted", { event_id: stored.id, type: event.type, verification, queued });
    return c.json(
      event.type === "hookbridge.unrecognized"
        ? { id: stored.id, status: "accepted", recognized: false, problems: event.data.problems }
        : { id: stored.id, status: "accepted" },
      202,
    );
  }
};
