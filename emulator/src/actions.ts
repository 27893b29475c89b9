import { z } from "zod";
import type { Integration } from "./config";
import { membraneError, membraneErrorResponse } from "./membrane-error";
import {
  coupontoolsBodyError,
  DirectoryUserSchema,
  LoyaltyCreateSchema,
  LoyaltyUpdateSchema,
} from "./vendors/coupontools";
import { DeletionRequestSchema } from "./vendors/ometria";

/**
 * Membrane actions the emulator can run. Each one validates its input, then calls the same vendor route a
 * proxy request would reach, so actions and proxy calls share state. Input field names mirror the vendor
 * API: the real actions' input schemas are only visible inside a Membrane workspace.
 */
export interface VendorCall {
  method: "GET" | "POST";
  path: string;
  body?: unknown;
}

export interface Action {
  integration: Integration;
  /** The vendor call for a valid input, or the validation error. */
  plan(input: unknown): { ok: true; call: VendorCall } | { ok: false; error: z.ZodError };
  /** The action's output, from the vendor's answer. */
  output(body: unknown): unknown;
  /** The error a 2xx vendor answer carries in its body, if any. */
  bodyError(body: unknown): string | undefined;
}

function action<S extends z.ZodType>(
  integration: Integration,
  input: S,
  toCall: (input: z.output<S>) => VendorCall,
): Action {
  const coupontools = integration === "coupontools";
  return {
    integration,
    plan(raw) {
      const parsed = input.safeParse(raw);
      return parsed.success ? { ok: true, call: toCall(parsed.data) } : { ok: false, error: parsed.error };
    },
    // Coupontools wraps its data in `result`; Ometria answers with the data itself.
    output: (body) => (coupontools ? z.object({ result: z.unknown() }).safeParse(body).data?.result : body),
    bodyError: (body) => (coupontools ? coupontoolsBodyError(body) : undefined),
  };
}

export const ACTIONS: Readonly<Record<string, Action>> = {
  "add-stamps-to-loyalty-card": action("coupontools", LoyaltyUpdateSchema, (input) => ({
    method: "POST",
    path: "/v3/loyaltyusers/update",
    body: input,
  })),
  "create-loyalty-card-user": action("coupontools", LoyaltyCreateSchema, (input) => ({
    method: "POST",
    path: "/v3/loyaltyusers/create",
    body: input,
  })),
  "create-directory-user": action(
    "coupontools",
    DirectoryUserSchema.extend({ directory: z.string().min(1) }),
    ({ directory, ...user }) => ({
      method: "POST",
      path: `/v4/directory/${encodeURIComponent(directory)}/users`,
      body: user,
    }),
  ),
  "create-gdpr-deletion-request": action("ometria", DeletionRequestSchema, (input) => ({
    method: "POST",
    path: "/data-deletion-requests",
    body: input,
  })),
  "get-gdpr-deletion-request": action("ometria", z.object({ id: z.string().min(1) }), ({ id }) => ({
    method: "GET",
    path: `/data-deletion-requests/${encodeURIComponent(id)}`,
  })),
};

/**
 * The action run's answer from the vendor's: `{output, actionRunId}`, or a Membrane error. A vendor
 * rate limit surfaces as Membrane's `connection/rate_limit_exceeded` with the vendor's Retry-After.
 */
export async function actionRunResponse(action: Action, vendor: Response): Promise<Response> {
  const answer: unknown = await vendor.json().catch(() => null);
  if (vendor.status === 429) {
    const retryAfter = vendor.headers.get("retry-after");
    return membraneErrorResponse(
      429,
      membraneError("connection", "rate_limit_exceeded", "The vendor's rate limit was exceeded."),
      retryAfter ? { "retry-after": retryAfter } : {},
    );
  }
  const vendorError = vendor.ok ? action.bodyError(answer) : `The vendor answered HTTP ${vendor.status}.`;
  if (vendorError !== undefined) {
    return membraneErrorResponse(
      vendor.status >= 500 ? 500 : 400,
      membraneError("action_run", "vendor_error", vendorError, { status: vendor.status, response: answer }),
    );
  }
  return Response.json({ output: action.output(answer), actionRunId: crypto.randomUUID() });
}
