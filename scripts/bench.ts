// npm run bench: one command, one run, figures side by side. On loopback, bounded in count and time:
//  1. ingest: signed Kooomo paid orders at fixed concurrency into the bridge with its reactions paused, the same
//     deliveries again (duplicates), and the same bodies into a no-op worker (the ceiling) started by the same
//     wrangler; latency percentiles and the workers' CPU ms per request (from /proc);
//  2. D1 statements per accepted delivery and per delivered reaction (counted in workerd by test/bench/);
//  3. fan-out drain: the connections resumed, deliveries/s per reaction and records/s of the batched Ometria
//     pushes, with the emulator enforcing Ometria's limits; then the stamps again while Ometria fails every call.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { treeCpuMs } from "./bench/cpu.ts";
import { type LoadResult, load } from "./bench/load.ts";
import { freePort } from "./lib/free-port.ts";
import { postKooomo } from "./lib/kooomo-post.ts";
import { ROOT, readDevVars, startLocalStack, stopGroup, waitUntilUp, wrangler } from "./lib/local-stack.ts";

/**
 * wrangler dev streams every invocation's spans (one per D1, storage or subrequest call) to its local trace
 * collector (X_LOCAL_OBSERVABILITY); under load that cost up to half a core next to the bridge's own, and the
 * edge has no such collector. The bench runs every worker without it; BENCH_LOCAL_TRACES=1 keeps it.
 */
const LOCAL_TRACES = process.env.BENCH_LOCAL_TRACES === "1";
if (!LOCAL_TRACES) process.env.X_LOCAL_OBSERVABILITY = "false";
/**
 * wrangler dev relays every console line of a worker through its Node process: one info line cost 1.1-1.2 ms
 * of CPU per request in a worker that did nothing else (0.7 ms of it in Node), and the bridge writes one per
 * accepted delivery, planned event and delivery attempt. That relay is the dev server's cost, not the bridge's.
 * The bench runs the bridge at LOG_LEVEL=warn, which keeps failures; BENCH_LOG_LEVEL=info keeps every line.
 */
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "warn";
const ORDERS = Number(process.env.BENCH_ORDERS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const DRAIN_DEADLINE_MS = 300_000;
// Ports of its own, so that it never meets another local stack (npm start, a test).
const NOOP_PORT = await freePort();

const vars = readDevVars();
const signer = new Webhook(vars.KOOOMO_WEBHOOK_SECRET ?? "");
const adminToken = vars.ADMIN_TOKEN ?? "";
const template = JSON.parse(readFileSync(`${ROOT}test/fixtures/kooomo/order-paid.json`, "utf8"));

/** Paid order n, of its own customer (the stamps reaction finds or creates one loyalty user each). */
function orderBody(n: number): string {
  return JSON.stringify({
    ...template,
    id: `evt_bench_${n}`,
    data: {
      ...template.data,
      id: 900_000 + n,
      customer: { id: 700_000 + n, email: `bench${n}@example.com` },
    },
  });
}

const post = (url: string, n: number, id: string): Promise<Response> =>
  postKooomo(url, signer, orderBody(n), id);

async function admin(bridge: string, path: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(`${bridge}/admin/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
  });
  if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const pause = (bridge: string, name: string) =>
  admin(bridge, "/pauses", { method: "POST", body: JSON.stringify({ kind: "connection", name }) });
const resume = (bridge: string, name: string) =>
  admin(bridge, `/pauses/connection/${name}`, { method: "DELETE" });

interface Stats {
  events: Record<string, number>;
  deliveries: Record<string, number>;
  connections: Record<
    string,
    { deliveries: Record<string, number>; breaker: { state: string }; waiting?: number }
  >;
}

/**
 * Waits until the bridge has planned every event and its lanes hold every delivery, so the next phase does not
 * share the cores with the previous one's background work.
 */
async function settled(bridge: string): Promise<void> {
  const deadline = performance.now() + DRAIN_DEADLINE_MS;
  for (;;) {
    const stats = (await admin(bridge, "/stats")) as Stats;
    const unplanned = (stats.events.accepted ?? 0) + (stats.events.queued ?? 0);
    const held = Object.values(stats.connections).reduce((n, c) => n + (c.waiting ?? 0), 0);
    if (unplanned === 0 && held >= (stats.deliveries.pending ?? 0)) return;
    if (performance.now() > deadline) throw new Error("the bridge did not settle in time");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface Drained {
  seconds: number;
  succeeded: number;
  dead: number;
  /** The workers' CPU while it drained, in % of one core (CpuMeter). */
  cpu: string;
}

/**
 * The bridge's and the emulator's CPU from now on, in % of one core each: how busy each was while a drain ran
 * (each runs its isolate on one thread; the machine has two cores for both and the bench).
 */
type CpuMeter = { read(): string };
function cpuMeter(pids: Record<string, number>): CpuMeter {
  const started = performance.now();
  const from = Object.entries(pids).map(([name, pid]) => ({ name, pid, ms: treeCpuMs(pid) }));
  return {
    read: () => {
      const seconds = (performance.now() - started) / 1000;
      return from
        .map(({ name, pid, ms }) => `${name} ${((treeCpuMs(pid) - ms) / seconds / 10).toFixed(0)} %`)
        .join(", ");
    },
  };
}

/** Waits until `target` deliveries of the connection are finished (succeeded or dead). */
async function drain(
  bridge: string,
  connection: string,
  target: number,
  since: number,
  cpu?: CpuMeter,
): Promise<Drained> {
  for (;;) {
    const stats = (await admin(bridge, "/stats")) as Stats;
    const d = stats.connections[connection]?.deliveries ?? {};
    const succeeded = d.succeeded ?? 0;
    const dead = d.dead ?? 0;
    if (succeeded + dead >= target)
      return { seconds: (performance.now() - since) / 1000, succeeded, dead, cpu: cpu?.read() ?? "" };
    if (performance.now() - since > DRAIN_DEADLINE_MS)
      throw new Error(`${connection} did not drain in time: its deliveries ${JSON.stringify(d)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function emulator(url: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}/_emulator/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text === "" ? null : JSON.parse(text);
}

/**
 * Counted inside workerd (test/bench/): D1 statements per accepted delivery and per delivered reaction, and
 * what one paid order costs in Membrane calls and bytes read on loyalty cards of 1,000 and 100,000 users.
 */
function countedInWorkerd(): string {
  const run = spawnSync(
    process.execPath,
    [`${ROOT}node_modules/vitest/vitest.mjs`, "run", "test/bench/", "--silent=false"],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", BENCH_CARD_SIZES: "1000,100000" },
    },
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal colours vitest prints
  const plain = `${run.stdout}`.replace(/\u001b\[[0-9;]*m/g, "").split("\n");
  const d1 = plain.filter((l) => l.startsWith("D1 statements:") || l.startsWith("rows read"));
  const card = plain.findIndex((l) => l.startsWith("card reads per order"));
  const failed = `could not count (vitest exited ${run.status})`;
  return [
    // The statements line and the rows-read lines (planning and delivery, the dashboard's reads).
    d1.length >= 2 ? d1.map((l) => l.trim()).join("\n") : failed,
    card >= 0 ? plain.slice(card, card + 5).join("\n") : failed,
  ].join("\n");
}

const row = (label: string, r: LoadResult, cpuMs: number) =>
  `${label.padEnd(34)} ${r.perSecond.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  ` +
  `p99 ${r.p99.toFixed(1).padStart(7)} ms  cpu ${(cpuMs / r.count).toFixed(2).padStart(5)} ms/req  ${r.statuses}`;

// Local D1 and Durable Object storage flush each write to disk; in memory (tmpfs, when the machine has one)
// the figures measure the bridge's own work rather than this machine's disk.
const scratchRoot = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const scratch = mkdtempSync(join(scratchRoot, "hookbridge-bench-"));
const stack = await startLocalStack({
  quiet: true,
  port: await freePort(),
  emulatorPort: await freePort(),
  persistTo: join(scratch, "state"),
  vars: { LOG_LEVEL },
});
const noop = wrangler(
  [
    "dev",
    "-c",
    "scripts/bench/noop.wrangler.toml",
    "--port",
    String(NOOP_PORT),
    "--ip",
    "127.0.0.1",
    "--show-interactive-dev-session=false",
    "--persist-to",
    join(scratch, "noop"),
  ],
  { quiet: true, detached: true },
);
let keepState = false;
try {
  const bridge = stack.bridgeUrl;
  const noopUrl = `http://127.0.0.1:${NOOP_PORT}`;
  await waitUntilUp(noopUrl, noop);
  const emulatorUrl = stack.emulatorUrl ?? "";
  const bridgePid = stack.pids.bridge ?? 0;
  await emulator(emulatorUrl, "reset", {});
  const runId = Date.now();
  const id = (n: number) => `msg_bench_${runId}_${n}`;

  console.log(`hookbridge bench — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model}`);
  console.log(
    `${ORDERS} paid orders, concurrency ${CONCURRENCY}, loopback, wrangler dev (local workerd, local traces ` +
      `${LOCAL_TRACES ? "on" : "off"}, bridge LOG_LEVEL=${LOG_LEVEL}), state in ${scratchRoot}\n`,
  );

  // 1. Ingest, reactions paused so the fan-out does not compete with it.
  await pause(bridge, "coupontools-demo");
  await pause(bridge, "ometria-demo");
  // Warm both workers up (first requests compile code), outside the measurement.
  await load(100, 10, (n) => post(bridge, 1_000_000 + n, `warm_${runId}_${n}`));
  await load(100, 10, (n) => post(noopUrl, n, `warm_${n}`));
  await settled(bridge);
  // The ceiling first, on idle cores; the bridge's figures include the planning its queue consumer does
  // meanwhile (each accepted event is planned into its deliveries while the load runs).
  let cpu = treeCpuMs(noop.pid ?? 0);
  const ceiling = await load(ORDERS, CONCURRENCY, (n) => post(noopUrl, n, id(n)));
  const ceilingCpu = treeCpuMs(noop.pid ?? 0) - cpu;
  cpu = treeCpuMs(bridgePid);
  const accepted = await load(ORDERS, CONCURRENCY, (n) => post(bridge, n, id(n)));
  const acceptedCpu = treeCpuMs(bridgePid) - cpu;
  await settled(bridge);
  cpu = treeCpuMs(bridgePid);
  const duplicates = await load(ORDERS, CONCURRENCY, (n) => post(bridge, n, id(n)));
  const duplicatesCpu = treeCpuMs(bridgePid) - cpu;
  console.log("ingest");
  console.log(row("  no-op worker (ceiling)", ceiling, ceilingCpu));
  console.log(row("  accepted, reactions paused", accepted, acceptedCpu));
  console.log(row("  duplicates", duplicates, duplicatesCpu));
  console.log(
    `  accepted / ceiling: ${((100 * accepted.perSecond) / ceiling.perSecond).toFixed(0)} % of req/s, ` +
      `p99 ${(accepted.p99 / ceiling.p99).toFixed(2)} × (targets: ≥ 45 %, ≤ 2 ×)\n`,
  );

  // 3a. Drain: both connections resumed; Ometria paced at 8 pushes/s, each push up to 100 records.
  const total = ORDERS + 100; // the warm-up orders too
  let since = performance.now();
  await resume(bridge, "coupontools-demo");
  await resume(bridge, "ometria-demo");
  const workers = { bridge: bridgePid, emulator: stack.pids.emulator ?? 0 };
  const [stamps, pushes] = await Promise.all([
    drain(bridge, "coupontools-demo", total, since, cpuMeter(workers)),
    drain(bridge, "ometria-demo", total, since),
  ]);
  console.log("fan-out drain (after the load stopped)");
  const outcome = (d: Drained) => `${d.succeeded} succeeded, ${d.dead} dead`;
  console.log(
    `  paid-order-stamps (unpaced)        ${(total / stamps.seconds).toFixed(0).padStart(6)} deliveries/s   (target ≥ 150; ${outcome(stamps)})`,
  );
  console.log(`    cpu of a core meanwhile: ${stamps.cpu}`);
  // The emulator keeps only its last 500 requests, so requests per push are not counted here; the lane tests
  // show the batching itself (250 pushes in 3 requests).
  console.log(
    `  orders-to-ometria (8 pushes/s)     ${(total / pushes.seconds).toFixed(0).padStart(6)} records/s      (target ≥ 500; ${outcome(pushes)})`,
  );

  // 3b. The same stamps again while every Ometria call fails: as many orders, from an empty card (the emulator
  // is reset), so the two drains differ in Ometria failing only. Each new customer reads the card's whole list,
  // so a card that kept 3a's users would make every read of this phase longer.
  const more = total;
  await pause(bridge, "coupontools-demo");
  await pause(bridge, "ometria-demo");
  await load(more, CONCURRENCY, (n) => post(bridge, 2_000_000 + n, `fail_${runId}_${n}`));
  await settled(bridge);
  await emulator(emulatorUrl, "reset", {});
  await emulator(emulatorUrl, "faults", {
    match: { connectionId: "ometria-demo" },
    status: 503,
    times: 1_000_000,
  });
  since = performance.now();
  await resume(bridge, "ometria-demo");
  await resume(bridge, "coupontools-demo");
  const failing = await drain(bridge, "coupontools-demo", total + more, since, cpuMeter(workers));
  const breaker = ((await admin(bridge, "/stats")) as Stats).connections["ometria-demo"]?.breaker.state;
  console.log(
    `  paid-order-stamps, Ometria failing ${(more / failing.seconds).toFixed(0).padStart(6)} deliveries/s   (target ≥ 150; Ometria's breaker: ${breaker}; ${failing.dead - stamps.dead} more dead)`,
  );
  console.log(`    cpu of a core meanwhile: ${failing.cpu}\n`);

  console.log(countedInWorkerd());
} catch (error) {
  keepState = true;
  console.error(`bench failed; the local state is kept in ${scratch} to look into`);
  throw error;
} finally {
  stack.stop();
  stopGroup(noop);
  if (!keepState) rmSync(scratch, { recursive: true, force: true });
}
