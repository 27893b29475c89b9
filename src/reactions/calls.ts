import { z } from "zod";

/**
 * How a recipe step reaches the vendor: a proxy request (the recipe writes the vendor's request itself) or
 * a Membrane action (Membrane owns field mapping, pagination and the vendor's edge cases). The seeds
 * advise actions where the vendor's field names are not public.
 */
export const VIAS = ["proxy", "action"] as const;
export type Via = (typeof VIAS)[number];

/** The `via` option of a recipe that can use both paths, with its default. */
export const viaOption = (fallback: Via) => z.enum(VIAS).default(fallback);

/** The `via` option of a recipe for which no Membrane action exists: only "proxy" is accepted. */
export const proxyOnly = (recipeKey: string) =>
  z.literal("proxy", { error: `${recipeKey} has no Membrane action; via must be "proxy"` }).default("proxy");

// The action keys the Membrane seeds list (membranedev/application-skills coupontools / ometria SKILL.md): a
// hint for `npm run check-config`, not a fence. Whether a workspace has them is read at run time (action-call.ts).
export const COUPONTOOLS_ACTION_KEYS = [
  "add-stamps-to-loyalty-card",
  "create-loyalty-card-user",
  "list-loyalty-card-users",
  "create-directory-user",
  "send-coupon-by-email",
  "create-single-use-url",
  "update-coupon-session",
] as const;
export const OMETRIA_ACTION_KEYS = [
  "create-gdpr-deletion-request",
  "get-gdpr-deletion-request",
  "send-transactional-email",
] as const;

/**
 * Ometria's API base path under the connection's base URL. Whether Membrane's Ometria base URL already ends
 * in /v2 is not documented; "" assumes it does (Membrane connectors hold the versioned API root, as the
 * seeds' proxy examples call `/push`); "/v2" is for a base URL of https://api.ometria.com.
 */
export const apiBasePathOption = z
  .union([
    z.literal(""),
    z.string().regex(/^\/[A-Za-z0-9/_-]*[^/]$/, "a path like /v2, without a trailing /"),
  ])
  .default("");
