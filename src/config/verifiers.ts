import { z } from "zod";

/** Seconds a signed timestamp may differ from now, either way (Standard Webhooks uses 5 minutes). */
const tolerance = z.number().int().positive().max(86_400).default(300);

export const standardWebhooksConfig = z.strictObject({
  type: z.literal("standard-webhooks"),
  tolerance_seconds: tolerance,
});

export const hmacConfig = z.strictObject({
  type: z.literal("hmac"),
  /** Header carrying the signature, e.g. `x-hub-signature-256`. */
  header: z.string().min(1).toLowerCase(),
  algorithm: z.enum(["sha256", "sha512"]).default("sha256"),
  encoding: z.enum(["hex", "base64"]).default("hex"),
  /** Text before the signature in the header, e.g. `sha256=`. */
  prefix: z.string().default(""),
  /** When set, the signed content is `{timestamp}.{body}` and the timestamp must be within tolerance. */
  timestamp_header: z.string().min(1).toLowerCase().optional(),
  tolerance_seconds: tolerance,
});

export const staticSecretConfig = z.discriminatedUnion("in", [
  z.strictObject({
    type: z.literal("static-secret"),
    in: z.literal("header"),
    /** Header holding the shared secret, e.g. `x-hookbridge-token`. */
    name: z.string().min(1).toLowerCase(),
  }),
  z.strictObject({
    type: z.literal("static-secret"),
    in: z.literal("query"),
    /** Query parameter holding the shared secret, e.g. `token`. */
    name: z.string().min(1),
  }),
]);

export const coupontoolsConfig = z.strictObject({
  type: z.literal("coupontools"),
  /** Query parameter holding the URL token checked at the edge. */
  param: z.string().min(1).default("token"),
  /** Membrane connection through which each delivery is confirmed genuine (POST /v3/webhook/verification). */
  connection: z.string().min(1),
});

export const verifierConfig = z.union([
  standardWebhooksConfig,
  hmacConfig,
  staticSecretConfig,
  coupontoolsConfig,
]);

export type StandardWebhooksConfig = z.infer<typeof standardWebhooksConfig>;
export type HmacConfig = z.infer<typeof hmacConfig>;
export type StaticSecretConfig = z.infer<typeof staticSecretConfig>;
export type CoupontoolsConfig = z.infer<typeof coupontoolsConfig>;
export type VerifierConfig = z.infer<typeof verifierConfig>;
