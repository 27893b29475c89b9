import { z } from "zod";

/** `slack` is a demo chat app for alert reactions (emulator/src/vendors/slack.ts), not held to a vendor. */
export const INTEGRATIONS = ["coupontools", "ometria", "slack"] as const;
export type Integration = (typeof INTEGRATIONS)[number];

/** The emulator's own settings, read from its `[vars]` (see emulator/wrangler.toml). */
export const EmulatorConfigSchema = z.object({
  EMULATOR_WORKSPACE_KEY: z.string().min(1).default("demo-workspace-key"),
  EMULATOR_WORKSPACE_SECRET: z.string().min(1).default("demo-workspace-secret"),
  EMULATOR_STATIC_TOKEN: z.string().min(1).optional(),
  EMULATOR_CONNECTIONS: z
    .record(z.string().min(1), z.enum(INTEGRATIONS))
    .default({ "coupontools-demo": "coupontools", "ometria-demo": "ometria", "slack-demo": "slack" }),
  EMULATOR_FORGED_EVENTS: z.array(z.string()).default([]),
  /**
   * Coupontools' name for the stamps amount of /v3/loyaltyusers/update is not public (the docs show only its
   * description, "Amount of points/stamps"). A setting, so tests can hold a caller to another name.
   */
  EMULATOR_COUPONTOOLS_STAMPS_FIELD: z.string().min(1).default("amount"),
  /** The HTTP status of Coupontools' `failed` answers is not documented (the text says "HTTP/1.0 422"). */
  EMULATOR_COUPONTOOLS_ERROR_STATUS: z.int().min(200).max(599).default(200),
  /**
   * The path the Ometria API sits under on the connection's base URL: "" when Membrane's base URL already
   * ends in /v2, "/v2" when it is https://api.ometria.com. Which one Membrane uses is not documented.
   */
  /**
   * Records per page of the list actions (Membrane: list actions answer `{records, cursor}` page by page; the
   * page size is not documented, so it is a setting: small in tests).
   */
  EMULATOR_LIST_PAGE_SIZE: z.int().min(1).max(10_000).default(100),
  EMULATOR_OMETRIA_BASE_PATH: z
    .union([z.literal(""), z.string().regex(/^\/[A-Za-z0-9/_-]*[^/]$/)])
    .default(""),
});

/** actionKey -> (field the emulator's design names -> the name this workspace uses): definitions.ts. */
export const ActionInputRenamesSchema = z.record(
  z.string().min(1),
  z.record(z.string().min(1), z.string().min(1)),
);
export type ActionInputRenames = z.infer<typeof ActionInputRenamesSchema>;

/** Settings a test may change at run time (POST /_emulator/settings); unset ones come from the config. */
export const EmulatorSettingsSchema = z.strictObject({
  stampsField: z.string().min(1).optional(),
  ometriaBasePath: z.union([z.literal(""), z.string().regex(/^\/[A-Za-z0-9/_-]*[^/]$/)]).optional(),
  /** Action input fields this workspace names otherwise (definitions.ts): `{actionKey: {field: newName}}`. */
  actionInputRenames: ActionInputRenamesSchema.optional(),
  /** Records per page of the list actions (EMULATOR_LIST_PAGE_SIZE). */
  listPageSize: z.int().min(1).max(10_000).optional(),
  /**
   * Whether Coupontools refuses a second loyalty user with an e-mail it already has: not documented either way,
   * so "allow" (a second user is made) by default.
   */
  duplicateLoyaltyEmails: z.enum(["allow", "refuse"]).optional(),
  /**
   * Whether the v3 search ("Find a user based on first name, last name, email, phone or ID") matches part of a
   * field or a whole field only: not documented, so "part" (lenient) by default.
   */
  searchMatches: z.enum(["part", "whole"]).optional(),
  /** Connections that answer as disconnected (needing re-authentication in Membrane). */
  disconnectedConnections: z.array(z.string().min(1)).optional(),
});
export type EmulatorSettings = Required<z.infer<typeof EmulatorSettingsSchema>>;
export type EmulatorConfig = z.infer<typeof EmulatorConfigSchema>;

export interface EmulatorEnv {
  EMULATOR: DurableObjectNamespace;
  [name: string]: unknown;
}
