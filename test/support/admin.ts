import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { runDelivery } from "../../src/delivery/attempt/run-delivery";
import type { DeliveryStep } from "../../src/delivery/attempt/step";
import { deliveryContext } from "../../src/delivery/context";
import { planEvent } from "../../src/delivery/plan-event";
import { type DeliveryRow, listDeliveries } from "../../src/store/deliveries";
import { waitFor } from "./wait";

/** The demo admin token from .dev.vars.example, bound in vitest.config.ts. */
export const ADMIN_TOKEN = env.ADMIN_TOKEN as string;

/** A request to the admin API through the worker's own fetch, with the admin token unless told otherwise. */
export function admin(
  path: string,
  init: { method?: string; body?: unknown; raw?: string; token?: string | null } = {},
): Promise<Response> {
  const headers = new Headers();
  const token = init.token === undefined ? ADMIN_TOKEN : init.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  // `raw` sends a body as is (e.g. malformed JSON); `body` is serialized.
  const body = init.raw ?? (init.body === undefined ? null : JSON.stringify(init.body));
  if (body !== null) headers.set("content-type", "application/json");
  return exports.default.fetch(
    new Request(`https://bridge.test/admin/api${path}`, {
      method: init.method ?? (body === null ? "GET" : "POST"),
      headers,
      body,
    }),
  );
}

/** Calls the admin API and checks the status; returns the parsed JSON answer. */
export async function adminJson<T = Record<string, unknown>>(
  path: string,
  init: Parameters<typeof admin>[1] & { status?: number } = {},
): Promise<T> {
  const res = await admin(path, init);
  const body = await res.json<T>();
  expect(res.status, JSON.stringify(body)).toBe(init.status ?? 200);
  return body;
}

/** Expects the JSON error shape with `code` and `status`; returns the error for further checks. */
export async function expectError(
  res: Response,
  status: number,
  code: string,
): Promise<{ code: string; message: string; issues?: string[] }> {
  const body = await res.json<{ error: { code: string; message: string; issues?: string[] } }>();
  expect({ status: res.status, code: body.error.code }).toEqual({ status, code });
  expect(body.error.message).toEqual(expect.any(String));
  return body.error;
}

/**
 * Plans an event and runs each of its deliveries once, as the queue consumer would. The real consumer may
 * be doing the same in the background; claims make that harmless. Returns what each run did.
 */
export async function drive(eventId: string): Promise<Map<string, DeliveryStep>> {
  const ctx = deliveryContext(env);
  await planEvent(ctx, eventId, 1);
  const steps = new Map<string, DeliveryStep>();
  for (const d of await listDeliveries(env.DB, eventId)) {
    steps.set(d.reaction, await runDelivery(ctx, { deliveryId: d.id }));
  }
  return steps;
}

/** Waits until every delivery of the event satisfies `done` (the background consumer may hold a claim). */
export function deliveriesWhen(
  eventId: string,
  done: (row: DeliveryRow) => boolean,
  what = "deliveries to settle",
): Promise<DeliveryRow[]> {
  return waitFor(
    () => listDeliveries(env.DB, eventId),
    (rows) => rows.length > 0 && rows.every(done),
    { what: `${what} (event ${eventId})` },
  );
}

export const finished = (row: DeliveryRow) => row.status === "succeeded" || row.status === "dead";

export async function attemptCount(deliveryId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM attempts WHERE delivery_id = ?1")
    .bind(deliveryId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
