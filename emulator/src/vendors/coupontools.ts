import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { readBody, type VendorEnv } from "./vendor-app";

/**
 * Coupontools as seen through a Membrane connection (vendor paths under the API root, e.g. `/v3/...`).
 * Coupontools answers success as `{"status":{"status":"OK"}, ...}` and many errors as HTTP 200 with
 * `{"status":{"status":"ERROR","message":...}}`; the v4 endpoints are assumed to use HTTP statuses as well.
 * Bodies are JSON. Field names follow the public docs; the stamps amount field (`stamps`) is our guess.
 */
const Id = z.union([z.string().min(1), z.int()]).transform(String);

export const LoyaltySearchSchema = z.object({ loyaltycard: Id, search: z.string().min(1) });
export const LoyaltyCreateSchema = z.object({
  loyaltycard: Id,
  email: z.email(),
  password: z.string().optional(),
  firstname: z.string().optional(),
  lastname: z.string().optional(),
});
/** `stamps` is the emulator's name for the amount: the real field name is not publicly documented. */
export const LoyaltyUpdateSchema = z.object({ loyaltycard: Id, user: Id, stamps: z.int().positive() });
export const DirectoryUserSchema = z.looseObject({
  email: z.email(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  phone: z.string().optional(),
});

const ok = (c: Context<VendorEnv>, result: unknown, status: ContentfulStatusCode = 200) =>
  c.json({ status: { status: "OK" }, result }, status);
const fail = (c: Context<VendorEnv>, message: string, status: ContentfulStatusCode = 200) =>
  c.json({ status: { status: "ERROR", message } }, status);

/** The error a Coupontools answer carries in its body, if any (used to map action runs). */
export function coupontoolsBodyError(body: unknown): string | undefined {
  const parsed = z
    .object({ status: z.object({ status: z.string(), message: z.string().optional() }) })
    .safeParse(body);
  if (!parsed.success || parsed.data.status.status === "OK") return undefined;
  return parsed.data.status.message ?? parsed.data.status.status;
}

export const coupontools = new Hono<VendorEnv>();

coupontools.post("/v3/loyaltyusers/search", async (c) => {
  const body = await readBody(c, LoyaltySearchSchema);
  if (!body.ok) return fail(c, body.message);
  const { loyaltycard, search } = body.data;
  return ok(c, c.env.store.searchLoyaltyUsers(c.env.connectionId, loyaltycard, search));
});

coupontools.post("/v3/loyaltyusers/create", async (c) => {
  const body = await readBody(c, LoyaltyCreateSchema);
  if (!body.ok) return fail(c, body.message);
  const user = c.env.store.createLoyaltyUser(c.env.connectionId, body.data);
  return user ? ok(c, user) : fail(c, "A user with this e-mail already holds this loyalty card.");
});

coupontools.post("/v3/loyaltyusers/update", async (c) => {
  const body = await readBody(c, LoyaltyUpdateSchema);
  if (!body.ok) return fail(c, body.message);
  const { loyaltycard, user, stamps } = body.data;
  const updated = c.env.store.addStamps(c.env.connectionId, loyaltycard, user, stamps);
  if (!updated) return fail(c, "This user does not hold this loyalty card.");
  return ok(c, { user: updated.id, loyaltycard, stamps_added: stamps, stamps: updated.stamps });
});

coupontools.post("/v4/directory/:directory/users", async (c) => {
  const body = await readBody(c, DirectoryUserSchema);
  if (!body.ok) return fail(c, body.message, 400);
  const { email, ...fields } = body.data;
  const user = c.env.store.createDirectoryUser(c.env.connectionId, c.req.param("directory"), email, fields);
  return user ? ok(c, user, 201) : fail(c, "This e-mail is already registered in this directory.", 409);
});

// Webhook verification. Source for every shape below: Coupontools' "Webhook verification" API page, mirrored
// at imazecoupon.com/nl/api-en-webhooks/webhook_verification.html (research notes: /tmp/research/issue8.md A6).
// An id is known when the emulated account sent it (POST /_emulator/coupontools/webhooks); ids listed as
// forged (EMULATOR_FORGED_EVENTS, POST /_emulator/forged-events) are unknown even if recorded.
// Params: `webhook` (required) and `session` (optional); what a `session` that differs does is not
// documented, so it is accepted and ignored.
const VerificationSchema = z.looseObject({ webhook: z.string().min(1), session: z.string().optional() });

/** POST /_emulator/coupontools/webhooks: webhooks the emulated account "sent" (test and demo control). */
export const WebhookEventsSeedSchema = z.object({
  connectionId: z.string().min(1),
  events: z.array(
    z.object({
      webhook: z.string().min(1),
      type: z.string().min(1),
      campaign: z.string().min(1).nullable().default(null),
      session: z.string().min(1).nullable().default(null),
      /** As the verification answer writes it: "2017-10-09 09:57:57". */
      date: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
    }),
  ),
});

/** The documented failure envelope. The page's text says HTTP/1.0 422, so that is the status sent. */
const verificationFailed = (c: Context<VendorEnv>, code: number, description: string) =>
  c.json(
    {
      status: {
        status: "failed",
        errors: {
          error_message: "HTTP/1.0 422 Unprocessable entity.",
          error_message_description: [description],
          error_code: [code],
        },
      },
    },
    422,
  );

coupontools.post("/v3/webhook/verification", async (c) => {
  const body = await readBody(c, VerificationSchema);
  // Error code 200 = missing parameter (Coupontools' "Possible errors" lists, docs.coupontools.com/api/v3/loyalty).
  if (!body.ok) return verificationFailed(c, 200, "Missing parameter: webhook");
  const id = body.data.webhook;
  const known = c.env.store.webhookEvent(c.env.connectionId, id);
  const forged = c.env.config.EMULATOR_FORGED_EVENTS.includes(id) || c.env.store.isForgedEvent(id);
  // Error code 509 "Webhook not found." for an id the account never sent (same page).
  if (!known || forged) return verificationFailed(c, 509, "Webhook not found.");
  return c.json({
    status: { status: "OK" },
    result: "valid",
    webhook: known.webhook,
    date: known.date,
    ...(known.campaign !== null && { campaign: known.campaign }),
    ...(known.session !== null && { session: known.session }),
    type: known.type,
  });
});

coupontools.notFound((c) => fail(c, "Unknown endpoint.", 404));
