import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { readBody, type VendorEnv } from "./vendor-app";

/**
 * Ometria's v2 API as seen through a Membrane connection, paths relative to the API root (the base path
 * under the connection's base URL, "" or "/v2", is a setting: see config.ts and vendors/index.ts).
 * Rules follow docs.ometria.com / support.ometria.com (source on each line). The JSON bodies of Ometria's
 * 400/413/429 answers are not documented: `{"status":"ERROR","message"}` is the emulator's choice.
 */
// docs.ometria.com ometria-data-api-introduction: at most 100 records per request.
export const PUSH_BATCH_LIMIT = 100;
// Same page: 60 KB per record, refused with "Payload invalid: Record is too large.".
export const PUSH_RECORD_LIMIT_BYTES = 60 * 1024;
// Same page, rate limits: push 8 requests per second per account (defaults; adjustable per plan).
export const PUSH_LIMIT = 8;
export const PUSH_WINDOW_MS = 1_000;
// support.ometria.com GDPR data anonymisation: 6 data deletion requests per minute.
export const DELETION_LIMIT = 6;
export const DELETION_WINDOW_MS = 60_000;

// Push records are merged by `id` (support.ometria.com Push API); `@type` names the record kind.
const PushRecordSchema = z.looseObject({
  "@type": z.string().min(1),
  id: z.union([z.string().min(1), z.number()]).transform(String),
});
// support.ometria.com Push API: the body is a JSON array, even for one record.
const PushBodySchema = z.array(z.unknown());
/** The POST body's field names are not public (the docs page is cut off): `email` + `comment` is assumed. */
export const DeletionRequestSchema = z.object({ email: z.email(), comment: z.string().max(1000).optional() });

const fail = (c: Context<VendorEnv>, message: string, status: ContentfulStatusCode) =>
  c.json({ status: "ERROR", message }, status);
const encoder = new TextEncoder();

/** 429 with Retry-After once `limit` requests were seen in the window (Ometria: "Over the limit: HTTP 429"). */
function overLimit(c: Context<VendorEnv>, bucket: string, limit: number, windowMs: number): Response | null {
  const { store, connectionId, now } = c.env;
  const recent = store.hitTimes(connectionId, bucket, now() - windowMs);
  const oldest = recent[0];
  if (recent.length >= limit && oldest !== undefined) {
    // Retry-After is not documented for Ometria; the emulator sends one (a caller must not rely on it).
    c.header("retry-after", String(Math.max(1, Math.ceil((oldest + windowMs - now()) / 1000))));
    return fail(c, `Rate limit exceeded: ${limit} ${bucket} requests per ${windowMs / 1000} s.`, 429);
  }
  store.addHit(connectionId, bucket, now());
  return null;
}

export const ometria = new Hono<VendorEnv>();

ometria.post("/push", async (c) => {
  const limited = overLimit(c, "push", PUSH_LIMIT, PUSH_WINDOW_MS);
  if (limited) return limited;
  // support.ometria.com Push API: the body is a JSON array, even for one record.
  const body = await readBody(c, PushBodySchema);
  if (!body.ok) return fail(c, `Expected a JSON array of records. ${body.message}`, 400);
  if (body.data.length > PUSH_BATCH_LIMIT)
    return fail(c, `At most ${PUSH_BATCH_LIMIT} records per request.`, 400);
  // Whether an oversized record fails the request (400 or 413) or counts as rejected is not documented:
  // the emulator refuses the request with 400 and the documented text.
  if (body.data.some((r) => encoder.encode(JSON.stringify(r)).byteLength > PUSH_RECORD_LIMIT_BYTES))
    return fail(c, "Payload invalid: Record is too large.", 400);
  // docs ometria-data-api-introduction: one object type per call, never mixed.
  const types = new Set(body.data.map((r) => PushRecordSchema.safeParse(r).data?.["@type"]).filter(Boolean));
  if (types.size > 1) return fail(c, "Payload invalid: one record type per request.", 400);
  // Records are validated one by one: the invalid ones are counted as rejected, the others merged by id.
  let accepted = 0;
  for (const item of body.data) {
    const record = PushRecordSchema.safeParse(item);
    if (!record.success) continue;
    c.env.store.mergeRecord(c.env.connectionId, record.data["@type"], record.data.id, record.data);
    accepted++;
  }
  // support.ometria.com Push API: `{"status":"OK","request_id","accepted","rejected"}`.
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
