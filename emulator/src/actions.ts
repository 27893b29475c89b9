import { z } from "zod";
import type { Integration } from "./config";
import { type MembraneErrorBody, membraneError } from "./membrane-error";
import { coupontoolsBodyError } from "./vendors/coupontools";
import { DeletionRequestSchema } from "./vendors/ometria";
import type { VendorContext } from "./vendors/vendor-app";

/**
 * Membrane actions the emulator runs: the keys the seeds list (membranedev/application-skills). Their real
 * input schemas are only visible inside a Membrane workspace (not public), so the inputs here are the
 * emulator's plausible design, documented in docs/vendors.md as assumptions. Each action calls the same
 * emulated vendor routes a proxy request reaches, so both paths share state and both are held to the
 * vendor's documented contract. An action owns what the vendor does not publish (the stamps field name,
 * a generated password): that is why the seeds advise actions there.
 */
export interface VendorCall {
  method: "GET" | "POST";
  path: string;
  body?: unknown;
}
export interface VendorAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}
/** Sends one vendor call (through the emulator's fault injection, as the proxy does). */
export type CallVendor = (call: VendorCall) => Promise<VendorAnswer>;

export type ActionResult =
  | { ok: true; output: unknown }
  | { ok: false; error: MembraneErrorBody; headers?: Record<string, string> };

export interface Action {
  integration: Integration;
  input: z.ZodType;
  run(input: never, vendor: CallVendor, ctx: VendorContext): Promise<ActionResult>;
}

const Id = z.union([z.string().min(1), z.int()]).transform(String);
// docs.getmembrane.com docs/actions: "Input is validated against the action's inputSchema. Extra properties
// are silently ignored." -> z.object (strips unknown keys).
const StampsInput = z.object({ loyaltyCardId: Id, userId: Id, stamps: z.int().positive() });
const CreateLoyaltyUserInput = z.object({
  loyaltyCardId: Id,
  email: z.email(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  phone: z.string().optional(),
});
// The emulator's design, like the others: camelCase keys for the third-party body of /v3/send/email.
const SendCouponEmailInput = z.object({
  campaignId: Id,
  email: z.email(),
  subject: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
});
/** A list action's cursor: opaque to the caller; here the last id of the page before. */
const CURSOR = /^after:(0|[1-9]\d{0,14})$/;
const ListLoyaltyUsersInput = z.object({
  loyaltyCardId: Id,
  // Opaque to the caller (its schema says only "a string"); one this action did not answer is refused.
  cursor: z.string().min(1).optional(),
});
const GetDeletionRequestInput = z.object({ id: Id });
const DirectoryUserInput = z.object({
  directoryId: Id,
  email: z.email(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  phone: z.string().optional(),
});

/**
 * A failed vendor call as an action-run error. The key Membrane uses with `action_run` is not documented:
 * `vendor_request_failed` is invented, so by the documented key rule the status is 400. `data` follows the
 * SDK's record of a failed HTTP call (extractMembraneErrorData): `{request:{url,method}, response:{status,data}}`.
 * A vendor 429 becomes `connection/rate_limit_exceeded` ("External API rate limit hit", docs errors page).
 */
function vendorFailure(call: VendorCall, answer: VendorAnswer): ActionResult | null {
  const data = {
    request: { url: call.path, method: call.method },
    response: { status: answer.status, data: answer.body },
  };
  if (answer.status === 429) {
    const retryAfter = answer.headers.get("retry-after");
    return {
      ok: false,
      error: membraneError("connection", "rate_limit_exceeded", "External API rate limit hit", data),
      ...(retryAfter ? { headers: { "retry-after": retryAfter } } : {}),
    };
  }
  const bodyError = coupontoolsBodyError(answer.body);
  const failed = answer.status < 200 || answer.status >= 300 || bodyError !== undefined;
  if (!failed) return null;
  const text = bodyError ?? `The vendor answered HTTP ${answer.status}.`;
  return { ok: false, error: membraneError("action_run", "vendor_request_failed", text, data) };
}

/** Runs the calls in order; the first failure ends the run. */
async function calls(vendor: CallVendor, call: VendorCall): Promise<VendorAnswer | ActionResult> {
  const answer = await vendor(call);
  return vendorFailure(call, answer) ?? answer;
}
const isResult = (v: VendorAnswer | ActionResult): v is ActionResult => "ok" in v;

// Schemas are built once, not per call: building a zod schema costs more than most parses it does.
const UserAnswer = z.object({ user: z.looseObject({ id: z.string() }) });
const UsersAnswer = z.object({ users: z.array(z.looseObject({ id: z.string(), email: z.string() })) });
/** The user object in an emulated Coupontools answer (`user`: the emulator's own choice of key). */
const userOf = (body: unknown) => UserAnswer.safeParse(body).data?.user;
const usersOf = (body: unknown) => UsersAnswer.safeParse(body).data?.users ?? [];

function action<S extends z.ZodType>(
  integration: Integration,
  input: S,
  run: (input: z.output<S>, vendor: CallVendor, ctx: VendorContext) => Promise<ActionResult>,
): Action {
  return { integration, input, run: run as Action["run"] };
}

function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "x");
}

export const ACTIONS: Readonly<Record<string, Action>> = {
  "add-stamps-to-loyalty-card": action("coupontools", StampsInput, async (input, vendor, ctx) => {
    const answer = await calls(vendor, {
      method: "POST",
      path: "/v3/loyaltyusers/update",
      // The action knows the vendor's field name for the amount (here: the emulator's setting).
      body: {
        loyaltycard: input.loyaltyCardId,
        user: input.userId,
        [ctx.settings().stampsField]: input.stamps,
      },
    });
    if (isResult(answer)) return answer;
    const user = userOf(answer.body);
    return {
      ok: true,
      output: {
        userId: input.userId,
        loyaltyCardId: input.loyaltyCardId,
        stampsAdded: input.stamps,
        balance: user?.stamps,
      },
    };
  }),
  "create-loyalty-card-user": action("coupontools", CreateLoyaltyUserInput, async (input, vendor) => {
    // v3 create needs a password and knows no card; the action generates one and links the new user.
    const created = await calls(vendor, {
      method: "POST",
      path: "/v3/loyaltyusers/create",
      body: {
        email: input.email,
        password: randomPassword(),
        ...(input.firstName && { first_name: input.firstName }),
        ...(input.lastName && { last_name: input.lastName }),
        ...(input.phone && { phone: input.phone }),
      },
    });
    if (isResult(created)) return created;
    const user = userOf(created.body);
    if (!user) throw new Error("the emulated Coupontools create answered no user");
    const linked = await calls(vendor, {
      method: "POST",
      path: "/v3/loyaltyusers/link",
      body: { loyaltycard: input.loyaltyCardId, user: user.id },
    });
    if (isResult(linked)) return linked;
    return { ok: true, output: { id: user.id, email: input.email, loyaltyCardId: input.loyaltyCardId } };
  }),
  "list-loyalty-card-users": action("coupontools", ListLoyaltyUsersInput, async (input, vendor, ctx) => {
    // Membrane list actions answer `{records, cursor}` page by page (agent tooling, docs): the action owns
    // pagination. How it pages Coupontools is not public: here by the emulated vendor's own paging parameters.
    const size = ctx.settings().listPageSize;
    const cursor = CURSOR.exec(input.cursor ?? "after:0");
    if (!cursor)
      return {
        ok: false,
        error: membraneError("bad_request", "invalid_input", "cursor: not a cursor this action answered"),
      };
    const after = Number(cursor[1]);
    const listed = await calls(vendor, {
      method: "POST",
      path: "/v3/loyaltyusers/list",
      // One more than a page: whether another page follows.
      body: { loyaltycard: input.loyaltyCardId, _emulator_after: after, _emulator_limit: size + 1 },
    });
    if (isResult(listed)) return listed;
    const users = usersOf(listed.body);
    const page = users.slice(0, size);
    const last = page.at(-1);
    const next = users.length > size && last ? `after:${last.id}` : undefined;
    const records = page.map((u) => ({
      id: u.id,
      email: u.email,
      firstName: u.first_name ?? null,
      lastName: u.last_name ?? null,
      stamps: u.stamps ?? 0,
    }));
    return { ok: true, output: { records, ...(next && { cursor: next }) } };
  }),
  "create-directory-user": action("coupontools", DirectoryUserInput, async (input, vendor) => {
    const created = await calls(vendor, {
      method: "POST",
      path: `/v4/directory/${encodeURIComponent(input.directoryId)}/users`,
      body: {
        email: input.email,
        ...(input.firstName && { first_name: input.firstName }),
        ...(input.lastName && { last_name: input.lastName }),
        ...(input.phone && { phone: input.phone }),
      },
    });
    if (isResult(created)) return created;
    return { ok: true, output: { id: userOf(created.body)?.id ?? null, email: input.email } };
  }),
  "send-coupon-by-email": action("coupontools", SendCouponEmailInput, async (input, vendor) => {
    const sent = await calls(vendor, {
      method: "POST",
      path: "/v3/send/email",
      body: {
        campaign: input.campaignId,
        email: input.email,
        ...(input.subject && { subject: input.subject }),
        ...(input.firstName && { firstname: input.firstName }),
        ...(input.lastName && { lastname: input.lastName }),
      },
    });
    return isResult(sent) ? sent : { ok: true, output: { campaignId: input.campaignId, email: input.email } };
  }),
  "create-gdpr-deletion-request": action("ometria", DeletionRequestSchema, async (input, vendor) => {
    const created = await calls(vendor, { method: "POST", path: "/data-deletion-requests", body: input });
    return isResult(created) ? created : { ok: true, output: created.body };
  }),
  "get-gdpr-deletion-request": action("ometria", GetDeletionRequestInput, async (input, vendor) => {
    const found = await calls(vendor, {
      method: "GET",
      path: `/data-deletion-requests/${encodeURIComponent(input.id)}`,
    });
    return isResult(found) ? found : { ok: true, output: found.body };
  }),
};
