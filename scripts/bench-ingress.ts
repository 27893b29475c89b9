// npm run bench: ingress latency and throughput against the local stack (wrangler dev, local D1 and Queues).
// Posts a bounded number of signed Kooomo deliveries on loopback with fixed concurrency, plus duplicates,
// and prints percentiles. Figures from workerd on this machine, not from Cloudflare's edge.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import { ROOT, readDevVars, startLocalStack } from "./lib/local-stack.ts";

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const DEADLINE_MS = 120_000;

const secret = readDevVars().KOOOMO_WEBHOOK_SECRET;
if (!secret) throw new Error("KOOOMO_WEBHOOK_SECRET is not set in .dev.vars(.example)");
const signer = new Webhook(secret);
const template = JSON.parse(readFileSync(`${ROOT}test/fixtures/kooomo/order-paid.json`, "utf8"));

async function post(url: string, n: number, id: string): Promise<{ ms: number; status: number }> {
  const body = JSON.stringify({
    ...template,
    id: `evt_bench_${n}`,
    data: { ...template.data, id: 900_000 + n },
  });
  const at = new Date();
  const started = performance.now();
  const res = await fetch(`${url}/webhooks/kooomo`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": signer.sign(id, at, body),
    },
    body,
  });
  await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function run(url: string, label: string, idFor: (n: number) => string) {
  const results: Array<{ ms: number; status: number }> = [];
  let next = 0;
  const started = performance.now();
  const stopAt = Date.now() + DEADLINE_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TOTAL && Date.now() < stopAt) {
        const n = next++;
        results.push(await post(url, n, idFor(n)));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const byStatus = new Map<number, number>();
  for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const statuses = [...byStatus].map(([status, count]) => `${status}x${count}`).join(" ");
  console.log(
    `${label.padEnd(12)} n=${results.length} c=${CONCURRENCY}  ${(results.length / seconds).toFixed(0)} req/s  ` +
      `p50 ${percentile(ms, 50).toFixed(1)} ms  p95 ${percentile(ms, 95).toFixed(1)} ms  ` +
      `p99 ${percentile(ms, 99).toFixed(1)} ms  max ${(ms.at(-1) ?? 0).toFixed(1)} ms  statuses ${statuses}`,
  );
}

const stack = await startLocalStack({ quiet: true });
try {
  const runId = Date.now();
  await run(stack.bridgeUrl, "accepted", (n) => `msg_bench_${runId}_${n}`);
  await run(stack.bridgeUrl, "duplicates", (n) => `msg_bench_${runId}_${n}`);
} finally {
  stack.stop();
}
