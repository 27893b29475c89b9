import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { readBody, type VendorEnv } from "./vendor-app";

/**
 * Coupontools as seen through a Membrane connection (vendor paths under the API root, e.g. `/v3/...`).
 * Every rule below follows docs.coupontools.com (source on each line); where the docs are silent the
 * emulator is lenient and says so. It never copies a recipe's guess: the stamps amount field name is a
 * setting (EMULATOR_COUPONTOOLS_STAMPS_FIELD or POST /_emulator/settings), because it is not public.
 *
 * Success: `{"status":{"status":"OK"}, ...data}` (docs: account/SSO examples). The data keys of the loyalty
 * user answers are not documented: the emulator's choice (`users`, `user`) is marked where it is made.
 */
const Id = z.union([z.string().min(1), z.int()]).transform(String);
/** Unknown fields are ignored (lenient: the docs do not say Coupontools refuses them). */
const Params = z.looseObject({});

/** docs.coupontools.com api/v3/loyalty: search "Allowed characters: AZaZ09-_@", minimum 3 characters. */
export const SEARCH_TERM = /^[A-Za-z0-9_@-]{3,}$/;

export const LoyaltySearchSchema = z.looseObject({ loyaltycard: Id, search: z.string() });
export const LoyaltyListSchema = z.looseObject({ loyaltycard: Id });
/** api/v3/loyalty create: `email` and `password` required, `first_name`/`last_name` etc. optional, no card. */
export const LoyaltyCreateSchema = z.looseObject({
  email: z.string(),
  password: z.string(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  phone: z.string().optional(),
});
/** api/v3/loyalty link: `loyaltycard` and `user` (a loyalty user id from list/search), both required. */
export const LoyaltyLinkSchema = z.looseObject({ loyaltycard: Id, user: Id });
/** api/v4/directory: `email` required; password, names, phone, birth_date, address, zip, city, custom_1..3 optional. */
export const DirectoryUserSchema = z.looseObject({
  email: z.email(),
  password: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  phone: z.string().optional(),
});

/** Coupontools error codes (docs "Possible errors" lists; the number is `error_code`, not the HTTP status). */
export const CT_ERROR = {
  missingParameter: 200,
  invalidCharacter: 301,
  emailExists: 304,
  emailInvalid: 305,
  loyaltyCardIdNotFound: 505,
} as const;

/** `{"status":{"status":"OK"}, ...data}`. */
export const coupontoolsOk = (data: Record<string, unknown> = {}) => ({ status: { status: "OK" }, ...data });
/** The documented failure envelope (docs: webhook verification, subaccount SSO). */
export const coupontoolsFailed = (code: number, description: string) => ({
  status: {
    status: "failed",
    errors: {
      error_message: "HTTP/1.0 422 Unprocessable entity.",
      error_message_description: [description],
      error_code: [code],
    },
  },
});

const ok = (c: Context<VendorEnv>, data: Record<string, unknown> = {}, status: ContentfulStatusCode = 200) =>
  c.json(coupontoolsOk(data), status);
// The HTTP status of error answers is not documented (the text says "HTTP/1.0 422"): it is a setting,
// EMULATOR_COUPONTOOLS_ERROR_STATUS, 200 by default, so callers are tested against both.
const fail = (c: Context<VendorEnv>, code: number, description: string) =>
  c.json(
    coupontoolsFailed(code, description),
    c.env.config.EMULATOR_COUPONTOOLS_ERROR_STATUS as ContentfulStatusCode,
  );

// Built once, not per call: building a zod schema costs more than most parses it does.
const AnswerStatusSchema = z.object({
  status: z.object({
    status: z.string(),
    errors: z.looseObject({ error_message_description: z.array(z.string()).optional() }).optional(),
  }),
});

/** The error a Coupontools answer carries in its body, if any (used to map action runs). */
export function coupontoolsBodyError(body: unknown): string | undefined {
  const parsed = AnswerStatusSchema.safeParse(body);
  if (!parsed.success || parsed.data.status.status === "OK") return undefined;
  return parsed.data.status.errors?.error_message_description?.join("; ") ?? parsed.data.status.status;
}

/** Reads the body as the docs describe the parameters; answers the first missing one as Coupontools does. */
async function params<S extends z.ZodType>(
  c: Context<VendorEnv>,
  schema: S,
  required: readonly string[],
): Promise<{ ok: true; data: z.output<S> } | { ok: false; res: Response }> {
  const raw = await readBody(c, Params);
  if (!raw.ok) return { ok: false, res: fail(c, CT_ERROR.missingParameter, raw.message) };
  for (const name of required) {
    const value = raw.data[name];
    if (value === undefined || value === null || value === "") {
      // docs api/v3/loyalty: "200: You need to provide a password." / "Missing parameter: loyaltycard".
      const text =
        name === "password"
          ? "You need to provide a password."
          : name === "email"
            ? "You need to provide an email address."
            : `Missing parameter: ${name}`;
      return { ok: false, res: fail(c, CT_ERROR.missingParameter, text) };
    }
  }
  const parsed = schema.safeParse(raw.data);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join(".") ?? "body";
    return { ok: false, res: fail(c, CT_ERROR.invalidCharacter, `Invalid parameter: ${field}`) };
  }
  return { ok: true, data: parsed.data };
}

const EmailSchema = z.email();
const StampsAmountSchema = z.coerce.number().int();

export const coupontools = new Hono<VendorEnv>();

// docs api/v3/loyalty search: loyaltycard + search required; search ≥ 3 characters of A-Z a-z 0-9 - _ @.
coupontools.post("/v3/loyaltyusers/search", async (c) => {
  const body = await params(c, LoyaltySearchSchema, ["loyaltycard", "search"]);
  if (!body.ok) return body.res;
  const { loyaltycard, search } = body.data;
  if (!SEARCH_TERM.test(search))
    return fail(c, CT_ERROR.invalidCharacter, "Invalid character in parameter: search");
  // "Find a user based on first name, last name, email, phone or ID": whether it matches parts is not
  // documented; the emulator matches any part (lenient) unless the setting says whole fields only. Answer key
  // `users` is the emulator's choice.
  const whole = c.env.settings().searchMatches === "whole";
  return ok(c, { users: c.env.store.searchLoyaltyUsers(c.env.connectionId, loyaltycard, search, whole) });
});

/**
 * The emulator's own paging of the list, used only by its list action (actions.ts): whether the v3 list pages,
 * and how, is not public, so a caller that sends neither parameter gets the whole card (lenient).
 */
const EmulatorPageSchema = z.object({
  _emulator_after: z.coerce.number().int().min(0).optional(),
  _emulator_limit: z.coerce.number().int().min(1).optional(),
});

// docs api/v3/loyalty list: loyaltycard required. Answer key `users` is the emulator's choice.
coupontools.post("/v3/loyaltyusers/list", async (c) => {
  const body = await params(c, LoyaltyListSchema, ["loyaltycard"]);
  if (!body.ok) return body.res;
  const page = EmulatorPageSchema.parse(body.data);
  const users =
    page._emulator_limit === undefined
      ? c.env.store.listLoyaltyUsers(c.env.connectionId, body.data.loyaltycard)
      : c.env.store.listLoyaltyUsers(c.env.connectionId, body.data.loyaltycard, {
          after: page._emulator_after ?? 0,
          limit: page._emulator_limit,
        });
  return ok(c, { users });
});

// docs api/v3/loyalty create: email and password required; no loyaltycard (a user is put on a card by link).
coupontools.post("/v3/loyaltyusers/create", async (c) => {
  const body = await params(c, LoyaltyCreateSchema, ["email", "password"]);
  if (!body.ok) return body.res;
  const { email, first_name, last_name, phone } = body.data;
  if (!EmailSchema.safeParse(email).success)
    return fail(c, CT_ERROR.emailInvalid, "Email address is not valid."); // code 305 (docs api/account)
  // Whether an e-mail may hold two loyalty users is not documented: allowed unless the setting says otherwise,
  // then refused with the documented code for an existing e-mail (304, api/account).
  if (
    c.env.settings().duplicateLoyaltyEmails === "refuse" &&
    c.env.store.hasLoyaltyEmail(c.env.connectionId, email)
  )
    return fail(c, CT_ERROR.emailExists, "Email already exists");
  const user = c.env.store.createLoyaltyUser(c.env.connectionId, { email, first_name, last_name, phone });
  return ok(c, { user }); // answer key `user` is the emulator's choice (not documented)
});

// docs api/v3/loyalty link: loyaltycard and user required.
coupontools.post("/v3/loyaltyusers/link", async (c) => {
  const body = await params(c, LoyaltyLinkSchema, ["loyaltycard", "user"]);
  if (!body.ok) return body.res;
  const { loyaltycard, user } = body.data;
  const linked = c.env.store.linkLoyaltyUser(c.env.connectionId, loyaltycard, user);
  // Linking twice is not documented as an error: the emulator keeps one link (lenient).
  return linked ? ok(c) : fail(c, CT_ERROR.missingParameter, "Loyalty user not found.");
});

// docs api/v3/loyalty "Update points": loyaltycard, user and an amount ("Amount of points/stamps") whose name
// is not public (a setting here); the 4th parameter's name is not public either, so nothing else is required.
coupontools.post("/v3/loyaltyusers/update", async (c) => {
  const field = c.env.settings().stampsField;
  const body = await params(c, LoyaltyLinkSchema, ["loyaltycard", "user", field]);
  if (!body.ok) return body.res;
  const { loyaltycard, user } = body.data;
  const amount = StampsAmountSchema.safeParse((body.data as Record<string, unknown>)[field]);
  if (!amount.success) return fail(c, CT_ERROR.invalidCharacter, `Invalid parameter: ${field}`);
  // The legacy page says update "adds" stamps: the amount is added to the balance.
  const updated = c.env.store.addStamps(c.env.connectionId, loyaltycard, user, amount.data);
  if (!updated) return fail(c, CT_ERROR.loyaltyCardIdNotFound, "This user does not hold this loyalty card.");
  return ok(c, { user: updated });
});

// docs api/v4/directory: email required. A duplicate e-mail's answer is not documented; the emulator uses
// the closest documented analogue, code 304 "Email already exists" (api/account), in the failed envelope.
coupontools.post("/v4/directory/:directory/users", async (c) => {
  const body = await readBody(c, DirectoryUserSchema);
  if (!body.ok) return fail(c, CT_ERROR.missingParameter, body.message);
  const { email, password: _password, ...fields } = body.data;
  const user = c.env.store.createDirectoryUser(c.env.connectionId, c.req.param("directory"), email, fields);
  return user ? ok(c, { user }, 201) : fail(c, CT_ERROR.emailExists, "Email already exists");
});

// POST /v3/send/email (what the seeds' send-coupon-by-email action calls): no Coupontools page in the research
// shows it; its body comes from a third-party client (PipedreamHQ/pipedream components/coupontools
// send-coupon-by-email): `campaign` and `email` required; `subject`, `firstname`, `lastname`, `check_unique`,
// `couponsession` optional. Only the two required fields are enforced; the answer's shape is not documented
// (the emulator answers the OK envelope with the campaign and address), and nothing is kept: the request log
// shows what was sent.
const SendCouponEmailSchema = z.looseObject({ campaign: z.string().min(1), email: z.email() });
coupontools.post("/v3/send/email", async (c) => {
  const body = await readBody(c, SendCouponEmailSchema);
  if (!body.ok) return fail(c, CT_ERROR.missingParameter, body.message);
  return ok(c, { campaign: body.data.campaign, email: body.data.email });
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
  c.json(coupontoolsFailed(code, description), 422);

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

coupontools.notFound((c) => c.json(coupontoolsFailed(404, "Unknown endpoint."), 404));
