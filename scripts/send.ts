/**
 * npm run send -- <route> <fixture-or-file> [--url http://127.0.0.1:8787] [--id <delivery id>] [--forged]
 *
 * Posts a delivery to a running bridge (`npm start`), signed the way the route's verifier expects, with the
 * route's secret from .dev.vars (or the demo .dev.vars.example), and prints the answer. <fixture-or-file> is
 * a path, or a fixture name such as kooomo/order-paid (test/fixtures/kooomo/order-paid.json). The body is
 * sent byte for byte as the file holds it. --id sets the delivery id of header-deduplicated routes (send the
 * same id twice to see the duplicate answer); it is random otherwise. A Coupontools delivery is first recorded
 * in the local emulator as sent by Coupontools (so its verification call confirms it), unless --forged is
 * given or the bridge is not pointed at the emulator.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";
import { z } from "zod";
import { verifierConfig } from "../src/config/verifiers.ts";
import { recordCoupontoolsWebhook } from "./lib/coupontools-webhook.ts";
import { BRIDGE_PORT, EMULATOR_PORT, ROOT, readDevVars, usesEmulator } from "./lib/local-stack.ts";
import { signDelivery } from "./lib/sign-delivery.ts";

const FIXTURES = `${ROOT}test/fixtures/`;

// The part of a route this script needs; the bridge validates the whole route (src/config/routes.ts).
const routeSchema = z.looseObject({
  secrets: z
    .union([z.string(), z.array(z.string()).min(1)])
    .transform((s) => (typeof s === "string" ? [s] : s)),
  verifier: verifierConfig,
  dedupe: z.looseObject({ from: z.string(), name: z.string().optional() }),
});

function fail(message: string): never {
  console.error(`send: ${message}`);
  process.exit(2);
}

/** The route's config as wrangler reads wrangler.toml for `wrangler dev` (the bridge gets the same object). */
function readRoute(name: string): z.infer<typeof routeSchema> {
  const config = unstable_readConfig({ config: `${ROOT}wrangler.toml` }, { hideWarnings: true });
  const routes = z.record(z.string(), z.unknown()).safeParse(config.vars.ROUTES).data ?? {};
  if (!Object.hasOwn(routes, name))
    fail(`no route "${name}" in wrangler.toml (routes: ${Object.keys(routes).join(", ")})`);
  const route = routeSchema.safeParse(routes[name]);
  if (!route.success) fail(`route "${name}" is invalid: ${route.error.message}`);
  return route.data;
}

/** The newest of the route's secrets that is set, as `npm start` reads them (.dev.vars over .dev.vars.example). */
function readSecret(names: readonly string[]): string {
  const vars = readDevVars();
  const secret = names.map((name) => vars[name]).find((value) => value !== undefined && value !== "");
  if (!secret) fail(`none of ${names.join(", ")} is set in .dev.vars or .dev.vars.example`);
  return secret;
}

function readBody(fixtureOrFile: string): Uint8Array {
  if (existsSync(fixtureOrFile)) return readFileSync(fixtureOrFile);
  const fixture = `${FIXTURES}${fixtureOrFile}.json`;
  if (existsSync(fixture)) return readFileSync(fixture);
  const known = readdirSync(FIXTURES, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".json"))
    .map((path) => path.slice(0, -".json".length))
    .sort();
  return fail(`no file or fixture "${fixtureOrFile}"; fixtures: ${known.join(", ")}`);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string", default: `http://127.0.0.1:${BRIDGE_PORT}` },
    id: { type: "string" },
    forged: { type: "boolean", default: false },
  },
});
const [routeName, fixtureOrFile] = positionals;
if (!routeName || !fixtureOrFile || positionals.length > 2) {
  fail(
    "usage: npm run send -- <route> <fixture-or-file> [--url http://127.0.0.1:8787] [--id <delivery id>] [--forged]",
  );
}

const route = readRoute(routeName);
const body = readBody(fixtureOrFile);
const id = values.id ?? `send_${randomUUID()}`;
const signed = await signDelivery(route.verifier, {
  body,
  secret: readSecret(route.secrets),
  id,
  now: new Date(),
});
const headers: Record<string, string> = { "content-type": "application/json", ...signed.headers };
if (route.dedupe.from === "header" && route.dedupe.name) headers[route.dedupe.name] ??= id;

const url = new URL(
  `webhooks/${encodeURIComponent(routeName)}`,
  values.url.endsWith("/") ? values.url : `${values.url}/`,
);
for (const [name, value] of Object.entries(signed.query)) url.searchParams.set(name, value);

if (route.verifier.type === "coupontools" && !values.forged && usesEmulator(readDevVars())) {
  await recordCoupontoolsWebhook(`http://127.0.0.1:${EMULATOR_PORT}`, route.verifier.connection, body).catch(
    (error: unknown) =>
      fail(`could not record the webhook in the emulator (is npm start running?): ${String(error)}`),
  );
}

const response = await fetch(url, { method: "POST", headers, body }).catch((error: unknown) =>
  fail(`could not reach ${url.origin} (is the bridge running? npm start): ${String(error)}`),
);
const text = await response.text();
console.log(`${response.status} ${response.statusText}`);
try {
  console.log(JSON.stringify(JSON.parse(text), null, 2));
} catch {
  console.log(text);
}
process.exitCode = response.ok ? 0 : 1;
