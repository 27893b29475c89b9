// npm run demo: the whole bridge in a minute. Starts the bridge and the Membrane emulator on fresh local state,
// sends one sample delivery per vendor plus one forged and one duplicate, waits for the reactions, prints what
// happened and exits 0 only if everything happened as expected. Then a VIP order whose coupon e-mail
// Coupontools refuses shows an alert: the dead delivery becomes a hookbridge.delivery_dead event, which the
// alerts-to-chat reaction posts to the emulator's demo chat app.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unstable_readConfig } from "wrangler";
import { verifierConfig } from "../src/config/verifiers.ts";
import { recordCoupontoolsWebhook } from "./lib/coupontools-webhook.ts";
import { ROOT, readDevVars, startLocalStack } from "./lib/local-stack.ts";
import { signDelivery } from "./lib/sign-delivery.ts";

interface Expected {
  label: string;
  route: string;
  fixture: string;
  /** What the ingress must answer. */
  status: number;
  /** Signed with a wrong secret. */
  forged?: boolean;
  /** Delivery id; the duplicate reuses the first one's. */
  id: string;
  /** Reaction name -> final delivery status; the event's own final status. */
  reactions?: Record<string, "succeeded" | "dead">;
  eventStatus?: string;
}

const SAMPLES: Expected[] = [
  {
    label: "Kooomo order paid",
    route: "kooomo",
    fixture: "kooomo/order-paid",
    status: 202,
    id: "demo_order_paid",
    reactions: { "paid-order-stamps": "succeeded", "orders-to-ometria": "succeeded" },
    eventStatus: "done",
  },
  {
    // Over 200 EUR: wrangler.toml's declarative reaction vip-coupon-by-email applies too.
    label: "Kooomo VIP order paid",
    route: "kooomo",
    fixture: "kooomo/order-paid-vip",
    status: 202,
    id: "demo_vip_order",
    reactions: {
      "paid-order-stamps": "succeeded",
      "orders-to-ometria": "succeeded",
      "vip-coupon-by-email": "succeeded",
    },
    eventStatus: "done",
  },
  {
    label: "Kooomo erasure request",
    route: "kooomo",
    fixture: "kooomo/customer-erasure-requested",
    status: 202,
    id: "demo_erasure",
    reactions: { "erasure-to-ometria": "succeeded" },
    eventStatus: "done",
  },
  {
    label: "Ometria unsubscribe",
    route: "ometria",
    fixture: "ometria/contact-unsubscribed",
    status: 202,
    id: "demo_unsubscribe",
    reactions: {},
    eventStatus: "done",
  },
  {
    label: "Coupontools coupon validated",
    route: "coupontools",
    fixture: "coupontools/coupon-validated",
    status: 202,
    id: "demo_coupon",
    reactions: { "coupon-events-to-ometria": "succeeded" },
    eventStatus: "done",
  },
  {
    label: "Forged Kooomo delivery",
    route: "kooomo",
    fixture: "kooomo/order-paid",
    status: 401,
    forged: true,
    id: "demo_forged",
  },
  {
    label: "Duplicate order paid",
    route: "kooomo",
    fixture: "kooomo/order-paid",
    status: 200,
    id: "demo_order_paid",
  },
];

/** Sent after the others, with the emulator refusing the coupon e-mail once: its delivery dies, an alert follows. */
const REFUSED_VIP: Expected = {
  label: "VIP order, coupon e-mail refused",
  route: "kooomo",
  fixture: "kooomo/order-paid-vip",
  status: 202,
  id: "demo_vip_refused",
  reactions: {
    "paid-order-stamps": "succeeded",
    "orders-to-ometria": "succeeded",
    "vip-coupon-by-email": "dead",
  },
  eventStatus: "failed",
};

const vars = readDevVars();
const adminToken = vars.ADMIN_TOKEN;
if (!adminToken) throw new Error("ADMIN_TOKEN is missing from .dev.vars.example");
const routes = unstable_readConfig({ config: `${ROOT}wrangler.toml` }, { hideWarnings: true }).vars
  .ROUTES as Record<string, { verifier: unknown; secrets: string | string[] }>;

async function send(
  base: string,
  sample: Expected,
): Promise<{ status: number; body: { id?: string; status?: string; error?: { code: string } } }> {
  const route = routes[sample.route];
  if (!route) throw new Error(`no route ${sample.route} in wrangler.toml`);
  const names = typeof route.secrets === "string" ? [route.secrets] : route.secrets;
  const secret = names.map((n) => vars[n]).find(Boolean);
  if (!secret) throw new Error(`no secret for route ${sample.route}`);
  const body = readFileSync(`${ROOT}test/fixtures/${sample.fixture}.json`);
  const signed = await signDelivery(verifierConfig.parse(route.verifier), {
    body,
    // A forged delivery: right shape, signed with a secret the bridge does not know.
    secret: sample.forged ? "whsec_Zm9yZ2VkLWJ5LWFuLWF0dGFja2VyLTEyMzQ1Njc4" : secret,
    id: sample.id,
    now: new Date(),
  });
  const url = new URL(`${base}/webhooks/${sample.route}`);
  for (const [name, value] of Object.entries(signed.query)) url.searchParams.set(name, value);
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...signed.headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as { id?: string; status?: string } };
}

/** Coupontools samples are first recorded in the emulator as sent, so its verification call confirms them. */
async function announceCoupontoolsWebhook(emulatorUrl: string, sample: Expected): Promise<void> {
  const verifier = verifierConfig.parse(routes[sample.route]?.verifier);
  if (verifier.type !== "coupontools" || sample.forged) return;
  const body = readFileSync(`${ROOT}test/fixtures/${sample.fixture}.json`);
  await recordCoupontoolsWebhook(emulatorUrl, verifier.connection, body);
}

interface EventDetail {
  type: string;
  status: string;
  verification: string;
  deliveries: Array<{
    reaction: string;
    status: string;
    attempts: number;
    last_error_code: string | null;
    attempt_log: Array<{ request: { path: string }; action_run_id: string | null }>;
  }>;
}

/** How the last attempt reached the vendor: a Membrane action (POST /act) or Membrane's proxy. */
const viaOf = (d: EventDetail["deliveries"][number]): "action" | "proxy" | "-" => {
  const last = d.attempt_log.at(-1);
  if (!last) return "-";
  return last.request.path === "/act" ? "action" : "proxy";
};

async function eventDetail(base: string, id: string): Promise<EventDetail> {
  const res = await fetch(`${base}/admin/api/events/${id}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  if (!res.ok) throw new Error(`admin API answered ${res.status} for event ${id}`);
  return (await res.json()) as EventDetail;
}

const settled = (e: EventDetail) =>
  ["done", "failed", "rejected", "unrecognized"].includes(e.status) &&
  e.deliveries.every((d) => d.status === "succeeded" || d.status === "dead");

const state = mkdtempSync(join(tmpdir(), "hookbridge-demo-"));
console.log("Starting the bridge and the Membrane emulator on fresh local state (about 15 s)...");
const stack = await startLocalStack({ quiet: true, persistTo: state });
let ok = true;
try {
  const rows: string[][] = [];
  const eventIds = new Map<Expected, string>();
  for (const sample of SAMPLES) {
    if (stack.emulatorUrl) await announceCoupontoolsWebhook(stack.emulatorUrl, sample);
    const answer = await send(stack.bridgeUrl, sample);
    const asExpected = answer.status === sample.status;
    ok &&= asExpected;
    if (answer.body.id && sample.status === 202) eventIds.set(sample, answer.body.id);
    rows.push([
      sample.label,
      `${answer.status} ${answer.body.status ?? answer.body.error?.code ?? ""}`,
      asExpected ? "ok" : `expected ${sample.status}`,
    ]);
  }
  console.log("\nIngress");
  printTable(["delivery", "answer", "check"], rows);

  const deadline = Date.now() + 60_000;
  const details = new Map<Expected, EventDetail>();
  for (const [sample, id] of eventIds) details.set(sample, await waitSettled(stack.bridgeUrl, id, deadline));

  // The alert: Coupontools refuses the next coupon e-mail (an emulator fault), so that delivery dies.
  if (stack.emulatorUrl) {
    await fetch(`${stack.emulatorUrl}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ match: { pathPrefix: "/v3/send/email" }, status: 400, times: 1 }),
    });
    const answer = await send(stack.bridgeUrl, REFUSED_VIP);
    ok &&= answer.status === REFUSED_VIP.status;
    if (answer.body.id)
      details.set(REFUSED_VIP, await waitSettled(stack.bridgeUrl, answer.body.id, Date.now() + 60_000));
  }

  const reactionRows: string[][] = [];
  const vias = new Set<string>();
  for (const [sample, detail] of details) {
    const expected = sample.reactions ?? {};
    const got = Object.fromEntries(detail.deliveries.map((d) => [d.reaction, d.status]));
    const asExpected =
      detail.status === sample.eventStatus &&
      Object.keys(got).length === Object.keys(expected).length &&
      Object.entries(expected).every(([reaction, status]) => got[reaction] === status);
    ok &&= asExpected;
    for (const d of detail.deliveries) vias.add(viaOf(d));
    const reactions = detail.deliveries.length
      ? detail.deliveries.map(
          (d) =>
            `${d.reaction}: ${d.status} (${d.attempts} attempt${d.attempts === 1 ? "" : "s"}, via ${viaOf(d)})`,
        )
      : ["(no reactions configured)"];
    for (const [i, reaction] of reactions.entries()) {
      const check = asExpected ? "ok" : "UNEXPECTED";
      reactionRows.push(
        i === 0
          ? [sample.label, detail.type, `${detail.status} / ${detail.verification}`, reaction, check]
          : ["", "", "", reaction, ""],
      );
    }
  }
  console.log("\nEvents and reactions");
  printTable(["delivery", "canonical type", "status / verification", "reactions", "check"], reactionRows);
  // wrangler.toml sends paid-order-stamps through Membrane actions and orders-to-ometria through the proxy.
  const bothPaths = vias.has("action") && vias.has("proxy");
  if (!bothPaths) console.log("\nExpected reactions through both a Membrane action and the proxy.");
  ok &&= bothPaths;

  if (stack.emulatorUrl) {
    const emulator = (await (await fetch(`${stack.emulatorUrl}/_emulator/state`)).json()) as {
      loyaltyUsers: Array<{ email: string; stamps: number }>;
      deletionRequests: unknown[];
      pushedRecords: Array<{ "@type": string }>;
    };
    const stamps = emulator.loyaltyUsers.map((u) => `${u.email}: ${u.stamps} stamp(s)`).join(", ") || "none";
    console.log("\nWhat the vendors saw (Membrane emulator)");
    printTable(
      ["Coupontools loyalty cards", "Ometria deletion requests", "Ometria pushed records"],
      [
        [
          stamps,
          String(emulator.deletionRequests.length),
          emulator.pushedRecords.map((r) => r["@type"]).join(", "),
        ],
      ],
    );
    // Ada's order and Grace's two VIP orders (one stamp per order).
    const stampsByEmail = Object.fromEntries(emulator.loyaltyUsers.map((u) => [u.email, u.stamps]));
    const stampsAsExpected =
      emulator.loyaltyUsers.length === 2 &&
      stampsByEmail["ada@example.com"] === 1 &&
      stampsByEmail["grace@example.com"] === 2;
    ok &&= stampsAsExpected && emulator.deletionRequests.length === 1;

    ok &&= await showAlert(stack.bridgeUrl, stack.emulatorUrl);
  }
} finally {
  stack.stop();
  rmSync(state, { recursive: true, force: true });
}
console.log(
  ok ? "\nEverything happened as expected." : "\nSomething did not happen as expected (see the rows above).",
);
process.exitCode = ok ? 0 : 1;

async function waitSettled(base: string, id: string, deadline: number): Promise<EventDetail> {
  let detail = await eventDetail(base, id);
  while (!settled(detail) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    detail = await eventDetail(base, id);
  }
  return detail;
}

/** Waits for the delivery_dead alert to be posted to the demo chat app, and prints what was posted. */
async function showAlert(base: string, emulatorUrl: string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  let posted: string[] = [];
  let alertEvent: { id: string; status: string } | undefined;
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/admin/api/events?route=hookbridge&type=hookbridge.delivery_dead`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    alertEvent = ((await res.json()) as { events: Array<{ id: string; status: string }> }).events[0];
    const state = (await (await fetch(`${emulatorUrl}/_emulator/state`)).json()) as {
      requests: Array<{ vendorPath: string | null; connectionId: string | null; body: { text?: string } }>;
    };
    posted = state.requests
      .filter((r) => r.vendorPath === "/chat.postMessage")
      .map((r) => `${r.connectionId}: ${r.body.text ?? ""}`);
    if (alertEvent?.status === "done" && posted.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  console.log("\nAlert (hookbridge.delivery_dead -> alerts-to-chat -> the emulator's demo chat app)");
  const asExpected = alertEvent?.status === "done" && posted.length === 1;
  printTable(
    ["alert event", "posted", "check"],
    [
      [
        alertEvent ? `${alertEvent.id} (${alertEvent.status})` : "none",
        posted.join(" | ") || "nothing",
        asExpected ? "ok" : "UNEXPECTED",
      ],
    ],
  );
  return asExpected;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}
