import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { listEventsRoute } from "../../src/admin/api/routes/events";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import { adminJson } from "../support/admin";
import { pageHtml, signIn } from "../support/dashboard";
import { acceptedId, deliver } from "../support/deliveries";

// Finding an event by what it carries, through the real ingress (which writes the keyed e-mail hash), D1 and
// the admin API and dashboard.

type EventList = z.output<typeof listEventsRoute.response>;

const run = crypto.randomUUID().slice(0, 8);
const grace = { id: `evt_search_${run}_g`, order: 900_001, email: `Grace.${run}@Example.com` };
const linus = { id: `evt_search_${run}_l`, order: 900_002, email: `linus.${run}@example.com` };
const ids: Record<string, string> = {};

function order(who: typeof grace) {
  return {
    ...orderPaid,
    id: who.id,
    data: { ...orderPaid.data, id: who.order, customer: { ...orderPaid.data.customer, email: who.email } },
  };
}

const found = async (query: string) =>
  (await adminJson<EventList>(`/events?${query}`)).events.map((e) => e.id).sort();

beforeAll(async () => {
  ids.grace = await acceptedId(await deliver("kooomo", order(grace)));
  ids.linus = await acceptedId(await deliver("kooomo", order(linus)));
});

describe("finding events by what they carry", () => {
  it("by vendor event id, order id, subject, and any of them with q", async () => {
    expect(await found(`vendor_event_id=${grace.id}`)).toEqual([ids.grace]);
    expect(await found(`order_id=${linus.order}`)).toEqual([ids.linus]);
    expect(await found(`subject=orders/${grace.order}`)).toEqual([ids.grace]);
    expect(await found(`q=${linus.id}`)).toEqual([ids.linus]);
    expect(await found(`q=${grace.order}`)).toEqual([ids.grace]);
    expect(await found(`q=${ids.linus}`)).toEqual([ids.linus]);
    expect(await found(`order_id=${grace.order}&type=order.cancelled`)).toEqual([]);
  });

  it("by e-mail in any case, matched through the keyed hash stored at ingest, never in clear", async () => {
    expect(await found(`email=${encodeURIComponent(grace.email.toLowerCase())}`)).toEqual([ids.grace]);
    expect(await found(`q=${encodeURIComponent(grace.email.toUpperCase())}`)).toEqual([ids.grace]);
    expect(await found(`q=${encodeURIComponent(`nobody.${run}@example.com`)}`)).toEqual([]);
    const row = await env.DB.prepare("SELECT search_email_hash FROM events WHERE id = ?1")
      .bind(ids.grace)
      .first<{ search_email_hash: string }>();
    expect(row?.search_email_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.search_email_hash).not.toContain(run);
  });

  it("refuses a malformed e-mail filter with the field named", async () => {
    const body = await adminJson<{ error: { details: string[] } }>("/events?email=not-an-address", {
      status: 400,
    });
    expect(JSON.stringify(body)).toMatch(/email/);
  });

  it("the dashboard's events page finds them too", async () => {
    const cookie = await signIn();
    const html = await pageHtml(`/admin?q=${encodeURIComponent(linus.email)}`, cookie);
    expect(html).toContain(ids.linus);
    expect(html).not.toContain(ids.grace);
    const byOrder = await pageHtml(`/admin?q=${grace.order}`, cookie);
    expect(byOrder).toContain(ids.grace);
    expect(byOrder).not.toContain(ids.linus);
  });
});
