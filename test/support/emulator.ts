import { env } from "cloudflare:workers";
import type { z } from "zod";
import type { FaultSpecSchema } from "../../emulator/src/faults";
import type { EmulatorSnapshot } from "../../emulator/src/store";
import type { WebhookEventsSeedSchema } from "../../emulator/src/vendors/coupontools";
import { type FetchLike, MembraneClient, type MembraneClientOptions } from "../../src/membrane/client";
import { WorkspaceTokenMinter } from "../../src/membrane/token";

declare global {
  namespace Cloudflare {
    interface Env {
      /** Test-only service binding to the Membrane emulator (auxiliary worker, see vitest.config.ts). */
      MEMBRANE: Fetcher;
    }
  }
}

/** Any host: through the service binding, only the path and query reach the emulator. */
export const EMULATOR_URL = "https://membrane-emulator.test";

/** The emulator's demo credentials and connections (emulator/wrangler.toml). */
export const DEMO = {
  workspaceKey: "demo-workspace-key",
  workspaceSecret: "demo-workspace-secret",
  staticToken: "demo-static-token",
  tenantKey: "test-tenant",
  coupontools: "coupontools-demo",
  ometria: "ometria-demo",
} as const;

/** Sends a request to the emulator through the MEMBRANE binding. */
export const emulatorFetch: FetchLike = (input, init) => env.MEMBRANE.fetch(input, init);

/** A client signing with the demo workspace, reaching the emulator through the binding. */
export function emulatorClient(options: Partial<MembraneClientOptions> = {}): MembraneClient {
  const { workspaceKey, workspaceSecret, tenantKey } = DEMO;
  return new MembraneClient({
    apiUrl: EMULATOR_URL,
    tokens: new WorkspaceTokenMinter({ workspaceKey, workspaceSecret, tenantKey }),
    fetch: emulatorFetch,
    ...options,
  });
}

async function control(path: string, body?: unknown): Promise<Response> {
  const res = await emulatorFetch(`${EMULATOR_URL}/_emulator/${path}`, {
    method: body === undefined && (path === "state" || path === "traffic") ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`emulator /_emulator/${path} answered ${res.status}: ${await res.text()}`);
  return res;
}

export async function resetEmulator(): Promise<void> {
  await control("reset");
}

export type FaultInput = z.input<typeof FaultSpecSchema>;

/** Queues a fault; faults are consumed in the order they were queued. */
export async function injectFault(fault: FaultInput): Promise<void> {
  await control("faults", fault);
}

/** Makes the emulator's Coupontools answer "Webhook not found." for these ids, even if recorded as sent. */
export async function markForged(ids: string[]): Promise<void> {
  await control("forged-events", { ids });
}

export type SentWebhook = z.input<typeof WebhookEventsSeedSchema>["events"][number];

/** Records webhooks as sent by the emulated Coupontools account, so its verification call knows them. */
export async function recordCoupontoolsWebhooks(
  events: SentWebhook[],
  connectionId: string = DEMO.coupontools,
): Promise<void> {
  await control("coupontools/webhooks", { connectionId, events });
}

/** Changes the emulator's settings for the unknowns (reset restores the configured ones). */
export async function setEmulatorSettings(settings: {
  stampsField?: string;
  ometriaBasePath?: string;
  /** A workspace whose action input schemas name fields otherwise: `{actionKey: {field: newName}}`. */
  actionInputRenames?: Record<string, Record<string, string>>;
  disconnectedConnections?: string[];
  /** Records per page of the list actions. */
  listPageSize?: number;
  /** Whether Coupontools refuses a second loyalty user of one e-mail. */
  duplicateLoyaltyEmails?: "allow" | "refuse";
  /** Whether the v3 search matches part of a field ("part") or a whole field only ("whole"). */
  searchMatches?: "part" | "whole";
}): Promise<void> {
  await control("settings", settings);
}

/** Puts `count` users on a card at once, e-mails `<localPrefix><n>@<domain>`; answers their first and last id. */
export async function seedLoyaltyUsers(seed: {
  loyaltycard: string;
  count: number;
  localPrefix?: string;
  domain?: string;
  connectionId?: string;
}): Promise<{ first: string; last: string }> {
  return (await control("coupontools/loyalty-users", { connectionId: DEMO.coupontools, ...seed })).json();
}

/** Membrane API calls and the bytes answered to them, per connection, since the last reset. */
export async function emulatorTraffic(): Promise<Record<string, { requests: number; answerBytes: number }>> {
  return ((await (await control("traffic")).json()) as { connections: Record<string, never> }).connections;
}

export async function emulatorState(): Promise<EmulatorSnapshot> {
  return (await control("state")).json();
}

/** The emulator's request log, oldest first. */
export async function recordedRequests(): Promise<EmulatorSnapshot["requests"]> {
  return (await emulatorState()).requests;
}

/** A raw API request to the emulator with an explicit Authorization header (for contract tests). */
export function callEmulator(
  path: string,
  init: { method?: string; authorization?: string; body?: unknown } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.authorization) headers.authorization = init.authorization;
  return emulatorFetch(`${EMULATOR_URL}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    body: init.body === undefined ? null : JSON.stringify(init.body),
  });
}
