// A delivery whose body breaks off mid-stream (a Content-Length never reached, a chunked body without its last
// chunk), sent over real sockets to the bridge under `wrangler dev`: in-process tests cannot cut a body, the
// stream just ends early there. The sender half-closes its socket, so it can still read an answer.
//
// Two sockets are used. Through wrangler dev's port the request crosses wrangler's ProxyWorker, whose own
// fetch to the worker fails as soon as the body it forwards breaks off: that client gets wrangler's 500, never
// the worker's answer, so there the bridge's decision is read in its log. The worker's own socket in workerd
// (behind the proxy, found through /proc) shows what the sender itself reads from the bridge.
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { z } from "zod";
import { freePort } from "../../scripts/lib/free-port.ts";
import { type LocalStack, ROOT, readDevVars, startLocalStack } from "../../scripts/lib/local-stack.ts";
import { signDelivery } from "../../scripts/lib/sign-delivery.ts";
import { verifierConfig } from "../../src/config/verifiers.ts";
import { waitFor } from "../support/wait.ts";

const vars = readDevVars();
const HAS_PROC = existsSync("/proc/self/net/tcp");
const BODY_INCOMPLETE = {
  error: {
    code: "body_incomplete",
    message: "The request body ended before it was complete; send it again in full.",
  },
};

let stack: LocalStack | undefined;
let port = 0;
let scratch = "";
let output = "";
/** wrangler's launcher and what it started (wrangler, its workerd processes), stopped by id if left behind. */
let started: { pid: number; name: string }[] = [];

/** `root` and the processes under it (Linux: /proc), with their names: wrangler's launcher runs wrangler,
 * which runs one workerd for its proxy and one for the worker. */
function processTree(root: number): { pid: number; name: string }[] {
  if (!HAS_PROC) return [{ pid: root, name: "" }]; // elsewhere only the launcher is known
  const all = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        // "pid (name) state ppid ...": the name may hold spaces, so fields are counted after its ")".
        const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return [{ pid: Number(entry), ppid, name }];
      } catch {
        return []; // exited meanwhile
      }
    });
  const tree = all.filter((p) => p.pid === root);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i]?.pid));
  return tree.map(({ pid, name }) => ({ pid, name }));
}

/** Ports the process listens on over IPv4 (Linux: its socket inodes matched in /proc/<pid>/net/tcp). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const target = (() => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return "";
      }
    })();
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  return readFileSync(`/proc/${pid}/net/tcp`, "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === "0A" && inodes.has(f[9] ?? "")) // 0A: LISTEN
    .map((f) => Number.parseInt(f[1]?.split(":")[1] ?? "", 16));
}

/** The worker's own socket in workerd: of the ports wrangler's workerd processes listen on, the one (not the
 * proxy's) answering /healthz as the bridge does. */
async function workerSocketPort(): Promise<number> {
  const workerds = started.filter((p) => p.name === "workerd").map((p) => p.pid);
  for (const pid of workerds) {
    for (const candidate of listeningPorts(pid)) {
      if (candidate === port) continue;
      try {
        const res = await fetch(`http://127.0.0.1:${candidate}/healthz`, {
          signal: AbortSignal.timeout(2000),
        });
        if (res.status === 200 && (await res.text()) === '{"status":"ok"}') return candidate;
      } catch {
        // the inspector or debug port: not HTTP, or not the worker
      }
    }
  }
  throw new Error(`no workerd socket of wrangler (workerd pids: ${workerds.join(", ")}) answers /healthz`);
}

const kooomoRoute = z.object({ verifier: verifierConfig, secrets: z.array(z.string()) });

/** test/fixtures/kooomo/unknown-event.json (stored, if ever, as unrecognized: no reaction, no Membrane call). */
async function signedDelivery(): Promise<{ head: string[]; body: Buffer }> {
  const config = unstable_readConfig({ config: join(ROOT, "wrangler.toml") }, { hideWarnings: true });
  const route = kooomoRoute.parse(z.record(z.string(), z.unknown()).parse(config.vars.ROUTES).kooomo);
  const secret = route.secrets.map((name) => vars[name]).find(Boolean) ?? "";
  const body = await readFile(join(ROOT, "test/fixtures/kooomo/unknown-event.json"));
  const signed = await signDelivery(route.verifier, {
    body,
    secret,
    id: `cut_${crypto.randomUUID()}`,
    now: new Date(),
  });
  const head = [
    "POST /webhooks/kooomo HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Content-Type: application/json",
    ...Object.entries(signed.headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return { head, body };
}

const request = (head: string[], ...body: Buffer[]) =>
  Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`), ...body]);

/** Declares the whole body's length, sends half of it. */
async function cutAgainstContentLength(): Promise<Buffer> {
  const { head, body } = await signedDelivery();
  return request([...head, `Content-Length: ${body.byteLength}`], body.subarray(0, body.byteLength >> 1));
}

/** One chunk of half the body, and never the final 0-chunk. */
async function cutChunked(): Promise<Buffer> {
  const { head, body } = await signedDelivery();
  const half = body.subarray(0, body.byteLength >> 1);
  return request(
    [...head, "Transfer-Encoding: chunked"],
    Buffer.from(`${half.byteLength.toString(16)}\r\n`),
    half,
    Buffer.from("\r\n"),
  );
}

async function complete(): Promise<Buffer> {
  const { head, body } = await signedDelivery();
  return request([...head, `Content-Length: ${body.byteLength}`], body);
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Sends `bytes`, half-closes the socket (after `pauseMs`: a sender that stalls, then gives up) and reads the
 * answer until the server closes (10 s at most).
 */
function exchange(to: number, bytes: Buffer, pauseMs = 0): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(to, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer on port ${to} within 10 s`)));
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      socket.destroy();
      const bytes = Buffer.concat(chunks);
      const split = bytes.indexOf("\r\n\r\n");
      const [statusLine = "", ...headerLines] = bytes.subarray(0, split).toString("latin1").split("\r\n");
      const header = (name: string) =>
        headerLines
          .find((line) => line.toLowerCase().startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      const length = header("content-length");
      if (split < 0 || !/^HTTP\/1\.1 \d{3} /.test(statusLine) || length === undefined)
        return reject(
          new Error(`not an HTTP answer with a Content-Length: ${JSON.stringify(String(bytes))}`),
        );
      resolve({
        status: Number(statusLine.split(" ")[1]),
        contentType: header("content-type") ?? "",
        body: bytes.subarray(split + 4, split + 4 + Number(length)).toString("utf8"),
      });
    });
    socket.write(bytes, () => setTimeout(() => socket.end(), pauseMs));
  });
}

/** The bridge's JSON log lines so far (wrangler prints them among its own lines). */
function bridgeLog(): Record<string, unknown>[] {
  return output
    .split("\n")
    .map((line) => /\{"level":"(?:info|warn|error)".*\}/.exec(line)?.[0])
    .filter((json) => json !== undefined)
    .map((json) => JSON.parse(json) as Record<string, unknown>);
}

const cutRejections = () =>
  bridgeLog().filter(
    (line) => line.msg === "request.rejected" && line.status === 400 && line.code === "body_incomplete",
  ).length;

async function events(): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${port}/admin/api/events`, {
    headers: { authorization: `Bearer ${vars.ADMIN_TOKEN ?? ""}` },
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.status).toBe(200);
  const list = z.object({ events: z.array(z.object({ id: z.string() })) }).parse(await res.json());
  return list.events.map((event) => event.id);
}

/** Still running as the process recorded: not exited, not a zombie, and (on Linux) not a reused id. */
function running({ pid, name }: { pid: number; name: string }): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!HAS_PROC) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) === name;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "hookbridge-cut-body-"));
  // wrangler's dev registry is per user: this stack's entry stays out of other running stacks' way.
  process.env.WRANGLER_REGISTRY_PATH = join(scratch, "registry");
  port = await freePort();
  try {
    stack = await startLocalStack({
      port,
      persistTo: join(scratch, "state"),
      emulator: false,
      onOutput: (text) => {
        output += text;
      },
    });
  } catch (error) {
    throw new Error(`${error}; wrangler's output:\n${output.slice(-4000)}`);
  }
  if (stack.pids.bridge !== undefined) started = processTree(stack.pids.bridge);
}, 120_000);

afterAll(async () => {
  stack?.stop();
  try {
    await waitFor(
      async () => started.filter(running).map((p) => `${p.name} ${p.pid}`),
      (left) => left.length === 0,
      { timeoutMs: 20_000, what: "wrangler and its workerd processes to exit" },
    );
  } finally {
    for (const p of started) if (running(p)) process.kill(p.pid, "SIGKILL");
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}, 60_000);

describe("a body cut off mid-stream, against wrangler dev", () => {
  const cuts = [
    ["short of its Content-Length", cutAgainstContentLength],
    ["chunked, without its last chunk", cutChunked],
  ] as const;

  it.each(cuts)("through wrangler dev's port (%s): the bridge logs a 400 body_incomplete", async (_, cut) => {
    const before = cutRejections();
    // Cut at once, the body may break off before the proxy has passed the request on: the worker never sees it.
    const answer = await exchange(port, await cut(), 1000);
    // wrangler's ProxyWorker answers itself: its fetch to the worker fails once the forwarded body breaks off.
    expect({ status: answer.status, firstLine: answer.body.split("\n")[0] }).toEqual({
      status: 500,
      firstLine: "Error: Network connection lost.",
    });
    expect(answer.contentType).toMatch(/^text\/plain/);
    await waitFor(
      async () => cutRejections(),
      (count) => count === before + 1,
      { timeoutMs: 10_000, what: "the bridge's request.rejected 400 body_incomplete line" },
    ).catch((error: unknown) => {
      throw new Error(
        `${error}; the bridge's log:\n${bridgeLog()
          .map((line) => JSON.stringify(line))
          .join("\n")}`,
      );
    });
  });

  it.skipIf(!HAS_PROC).each(cuts)(
    "on the worker's own socket (%s): the half-closed sender reads the 400 body_incomplete",
    async (_, cut) => {
      const answer = await exchange(await workerSocketPort(), await cut());
      expect({
        status: answer.status,
        contentType: answer.contentType,
        body: JSON.parse(answer.body),
      }).toEqual({ status: 400, contentType: "application/json", body: BODY_INCOMPLETE });
    },
  );

  it("stores nothing of a cut body, and stores the same delivery sent whole", async () => {
    expect(await events()).toEqual([]);
    const answer = await exchange(port, await complete());
    expect(answer.status, answer.body).toBe(202);
    const { id } = z.object({ id: z.string() }).parse(JSON.parse(answer.body));
    expect(await events()).toEqual([id]);
  });

  it("logs every cut as request.rejected 400 body_incomplete, and nothing as internal_error", () => {
    const log = bridgeLog();
    expect(cutRejections()).toBe(HAS_PROC ? 4 : 2);
    expect(log.filter((line) => line.msg === "request.failed" || line.code === "internal_error")).toEqual([]);
  });
});
