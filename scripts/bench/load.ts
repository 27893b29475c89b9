// A bounded closed-loop load generator on loopback: `concurrency` workers post until `total` requests are sent
// or the deadline passes.

export interface Sample {
  ms: number;
  status: number;
}

export interface LoadResult {
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  statuses: string;
}

export async function load(
  total: number,
  concurrency: number,
  request: (n: number) => Promise<Response>,
  deadlineMs = 180_000,
): Promise<LoadResult> {
  const samples: Sample[] = [];
  let next = 0;
  const stopAt = Date.now() + deadlineMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && Date.now() < stopAt) {
        const n = next++;
        const t0 = performance.now();
        let status = 0;
        try {
          const res = await request(n);
          await res.arrayBuffer();
          status = res.status;
        } catch {
          status = -1;
        }
        samples.push({ ms: performance.now() - t0, status });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const at = (p: number) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] ?? Number.NaN;
  const byStatus = new Map<number, number>();
  for (const s of samples) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
  return {
    count: samples.length,
    seconds,
    perSecond: samples.length / seconds,
    p50: at(50),
    p99: at(99),
    statuses: [...byStatus].map(([status, n]) => `${status}x${n}`).join(" "),
  };
}
