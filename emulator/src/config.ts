import { z } from "zod";

export const INTEGRATIONS = ["coupontools", "ometria"] as const;
export type Integration = (typeof INTEGRATIONS)[number];

/** The emulator's own settings, read from its `[vars]` (see emulator/wrangler.toml). */
export const EmulatorConfigSchema = z.object({
  EMULATOR_WORKSPACE_KEY: z.string().min(1).default("demo-workspace-key"),
  EMULATOR_WORKSPACE_SECRET: z.string().min(1).default("demo-workspace-secret"),
  EMULATOR_STATIC_TOKEN: z.string().min(1).optional(),
  EMULATOR_CONNECTIONS: z
    .record(z.string().min(1), z.enum(INTEGRATIONS))
    .default({ "coupontools-demo": "coupontools", "ometria-demo": "ometria" }),
  EMULATOR_FORGED_EVENTS: z.array(z.string()).default([]),
});
export type EmulatorConfig = z.infer<typeof EmulatorConfigSchema>;

export interface EmulatorEnv {
  EMULATOR: DurableObjectNamespace;
  [name: string]: unknown;
}
