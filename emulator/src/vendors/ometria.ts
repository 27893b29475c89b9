import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { readBody, type VendorEnv } from "./vendor-app";

/**
 * Ometria's v2 API as seen through a Membrane connection (paths relative to https://api.ometria.com/v2).
 * Errors use HTTP statuses with a `{"status":"ERROR","message"}` body (the body shape is our guess).
 */
export const PUSH_BATCH_LIMIT = 100;
/** Ometria documents a limit of 6 data deletion requests per minute. */
export const DELETION_LIMIT = 6;
export const DELETION_WINDOW_MS = 60_000;

const PushRecordSchema = z.looseObject({
  "@type": z.string().min(1),
  id: z.union([z.string().min(1), z.number()]).transform(String),
});
export const DeletionRequestSchema = z.object({ email: z.email(), comment: z.string().max(1000).optional() });

const fail = (c: Context<VendorEnv>, message: string, status: ContentfulStatusCode) =>
  c.json({ status: "ERROR", message }, status);

export const ometria = new Hono<VendorEnv>();

// Records are validated one by one: the invalid ones are counted as rejected, the others merged by id.
ometria.post("/push", async (c) => {
  const body = await readBody(c, z.array(z.unknown()));
  if (!body.ok) return fail(c, `Expected a JSON array of records. ${body.message}`, 400);
  if (body.data.length > PUSH_BATCH_LIMIT)
    return fail(c, `At most ${PUSH_BATCH_LIMIT} records per request.`, 400);
  let accepted = 0;
  for (const item of body.data) {
    const record = PushRecordSchema.safeParse(item);
    if (!record.success) continue;
    c.env.store.mergeRecord(c.env.connectionId, record.data["@type"], record.data.id, record.data);
    accepted++;
  }
  return c.json({
    status: "OK",
    request_id: crypto.randomUUID(),
    accepted,
    rejected: body.data.length - accepted,
  });
});

ometria.post("/data-deletion-requests", async (c) => {
  const { store, connectionId, now } = c.env;
  const recent = store.deletionRequestTimes(connectionId, now() - DELETION_WINDOW_MS);
  const oldest = recent[0];
  if (recent.length >= DELETION_LIMIT && oldest !== undefined) {
    const retryAfter = Math.max(1, Math.ceil((oldest + DELETION_WINDOW_MS - now()) / 1000));
    c.header("retry-after", String(retryAfter));
    return fail(c, `Rate limit exceeded: ${DELETION_LIMIT} data deletion requests per minute.`, 429);
  }
  const body = await readBody(c, DeletionRequestSchema);
  if (!body.ok) return fail(c, body.message, 400);
  return c.json(
    store.createDeletionRequest(connectionId, body.data.email, body.data.comment ?? null, now()),
    201,
  );
});

ometria.get("/data-deletion-requests", (c) => c.json(c.env.store.deletionRequests(c.env.connectionId)));

ometria.get("/data-deletion-requests/:id", (c) => {
  const [found] = c.env.store.deletionRequests(c.env.connectionId, c.req.param("id"));
  return found ? c.json(found) : fail(c, "Data deletion request not found.", 404);
});

ometria.notFound((c) => fail(c, "Unknown endpoint.", 404));
