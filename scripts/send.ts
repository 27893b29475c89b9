/**
 * npm run send -- <route> <fixture-or-file> [options]: posts a delivery to a running bridge (`npm start`),
 * signed as the route's verifier expects with the route's secret from .dev.vars (or the demo .dev.vars.example),
 * and prints the answer. USAGE below says the rest.
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

const USAGE = `usage: npm run send -- <route> <fixture-or-file> [options]

Posts a delivery to a running bridge (npm start), signed as the route's verifier expects with the route's
secret from .dev.vars (or .dev.vars.example), and prints the bridge's answer.

  <route>            a route of wrangler.toml [vars.ROUTES], e.g. kooomo
  <fixture-or-file>  a path, or a fixture name such as kooomo/order-paid (test/fixtures/kooomo/order-paid.json);
                     sent byte for byte as the file holds it, unless --set changes it

options:
  --url URL          the bridge (default http://127.0.0.1:${BRIDGE_PORT})
  --id ID            the delivery id of header-deduplicated routes (send one twice to see the duplicate answer);
                     random otherwise
  --set PATH=VALUE   sets a field of the JSON body before signing, e.g. --set data.grand_total=250 or
                     --set data.customer.email=ada@example.com (VALUE is read as JSON when it is JSON, else as
                     text); repeatable
  --forged           signs with a secret that is not the route's, on every route (the bridge must answer 401);
                     a Coupontools delivery is then not recorded in the emulator either
  -h, --help         this text

A Coupontools delivery is first recorded in the local emulator as sent by Coupontools (so the bridge's
verification call confirms it), unless --forged is given or the bridge is not pointed at the emulator.`;

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

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        url: { type: "string", default: `http://127.0.0.1:${BRIDGE_PORT}` },
        id: { type: "string" },
        set: { type: "string", multiple: true, default: [] },
        forged: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
}

/** The body with each `path=value` of --set applied (the body must be a JSON object then). */
function withOverrides(raw: Uint8Array, sets: readonly string[]): Uint8Array {
  if (sets.length === 0) return raw;
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    return fail("--set needs a JSON body, and this one is not JSON");
  }
  for (const set of sets) {
    const at = set.indexOf("=");
    if (at <= 0) fail(`--set ${set}: expected PATH=VALUE, e.g. data.grand_total=250`);
    const path = set.slice(0, at).split(".");
    const text = set.slice(at + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // not JSON: the text itself
    }
    let node = doc as Record<string, unknown>;
    for (const [i, key] of path.entries()) {
      if (typeof node !== "object" || node === null || Array.isArray(node))
        fail(`--set ${set}: ${path.slice(0, i).join(".") || "the body"} is not an object`);
      if (i === path.length - 1) {
        node[key] = value;
      } else {
        node[key] ??= {};
        node = node[key] as Record<string, unknown>;
      }
    }
  }
  return new TextEncoder().encode(JSON.stringify(doc));
}

const { values, positionals } = parseCommandLine();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [routeName, fixtureOrFile] = positionals;
if (!routeName || !fixtureOrFile || positionals.length > 2)
  fail(`expected a route and a fixture or file\n\n${USAGE}`);

const route = readRoute(routeName);
const body = withOverrides(readBody(fixtureOrFile), values.set);
const id = values.id ?? `send_${randomUUID()}`;
// Forged: a well-formed secret of the right kind that is not the route's, so every verifier refuses it.
const forgedSecret = `whsec_${Buffer.from(randomUUID()).toString("base64")}`;
const signed = await signDelivery(route.verifier, {
  body,
  secret: values.forged ? forgedSecret : readSecret(route.secrets),
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
