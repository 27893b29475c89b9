import { describe, expect, it } from "vitest";
import { type Shown, WranglerOutput } from "../../scripts/lib/wrangler-output.ts";

const E = "\u001b";
// Lines as wrangler 4 printed them on this machine (colours included), start-up then a reload that broke.
const STARTUP = [
  "",
  " ⛅️ wrangler 4.164.0",
  "────────────────────",
  "Using secrets defined in .dev.vars.example",
  "Your Worker has access to the following bindings:",
  "Binding                                                                       Resource                  Mode",
  "env.LANES (ConnectionLane)                                                    Durable Object            local",
  "env.RELAYS (CallRelay)                                                        Durable Object            local",
  "env.DB (hookbridge)                                                           D1 Database               local",
  'env.LOG_LEVEL ("info")                                                        Environment Variable      local',
  "",
  "[wrangler:warn] Unable to fetch the `Request.cf` object! Falling back to a default placeholder...",
  "Error: getaddrinfo ENOTFOUND workers.cloudflare.com",
  "    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:123:26)",
  `${E}[33m▲ ${E}[43;33m[${E}[43;30mWARNING${E}[43;33m]${E}[0m ${E}[1mScheduled Workers are not automatically triggered during local development.${E}[0m`,
  "  To manually trigger a scheduled event, run:",
  '    curl "http://127.0.0.1:8787/cdn-cgi/local/scheduled"',
  `  For more details, see ${E}[4mhttps://developers.cloudflare.com/workers/configuration/cron-triggers/#test-cron-triggers-locally${E}[0m`,
  "⎔ Starting local server...",
  "[wrangler:info] Ready on http://127.0.0.1:8787",
  "[wrangler:info] GET /healthz 200 OK (823ms)",
  '{"level":"info","msg":"event.accepted","route":"kooomo"}',
  `${E}[33m▲ ${E}[43;33m[${E}[43;30mWARNING${E}[43;33m]${E}[0m ${E}[1m{"level":"warn","msg":"admin.auth_failed","blocked":false}${E}[0m`,
];
const BROKEN_RELOAD = [
  "⎔ Reloading local server...",
  `${E}[31m✘ ${E}[41;31m[${E}[41;97mERROR${E}[41;31m]${E}[0m ${E}[1mservice core:user:hookbridge: Uncaught Error: ConfigError: invalid reaction config: unknown recipe "x"`,
  "",
  "    at null.<anonymous> (index.js:33304:34) in parseReactions",
  "    at null.<anonymous> (index.js:33369:28) in loadConfig",
  `${E}[33m▲ ${E}[43;33m[${E}[43;30mWARNING${E}[43;33m]${E}[0m ${E}[1mA DurableObjectNamespace in the config referenced the class "CallRelay", but no such Durable Object class is exported from the worker.`,
  `${E}[31m✘ ${E}[41;31m[${E}[41;97mERROR${E}[41;31m]${E}[0m ${E}[1mThe Workers runtime failed to start. There was likely a problem with the workerd binary or your configuration.${E}[0m`,
  "  Runtime stderr:",
  '  {"timestamp":"1796571189380","level":"error","source":"src/workerd/server/server/entry.rs:170","message":"x"}',
  `${E}[32mIf you think this is a bug then please create an issue at https://github.com/cloudflare/workers-sdk/issues/new/choose${E}[0m`,
];

const feed = (output: WranglerOutput, lines: string[]): Shown[] => lines.flatMap((line) => output.line(line));

describe("what npm start shows of wrangler dev", () => {
  it("says the start-up in three lines and passes the bridge's JSON log lines plain on stdout", () => {
    const shown = feed(new WranglerOutput(), STARTUP);
    expect(shown).toEqual([
      { to: "stderr", text: "secrets: .dev.vars.example" },
      { to: "stderr", text: "bindings: Durable Object ×2, D1 Database ×1, Environment Variable ×1" },
      {
        to: "stderr",
        text: "cron: not run by itself locally; run it with: curl http://127.0.0.1:8787/cdn-cgi/local/scheduled",
      },
      { to: "stdout", text: '{"level":"info","msg":"event.accepted","route":"kooomo"}' },
      { to: "stdout", text: '{"level":"warn","msg":"admin.auth_failed","blocked":false}' },
    ]);
  });

  it("keeps a broken reload's start-up error for the stop block and drops the misleading warnings", () => {
    const output = new WranglerOutput();
    feed(output, STARTUP);
    expect(feed(output, BROKEN_RELOAD)).toEqual([
      { to: "stderr", text: "bridge: reloading (wrangler.toml or src/ changed)" },
    ]);
    expect(output.startupError).toBe('ConfigError: invalid reaction config: unknown recipe "x"');
  });

  it("shows the secrets and bindings again only when they change, and an unknown line as it came", () => {
    const output = new WranglerOutput();
    feed(output, STARTUP);
    expect(feed(output, [...STARTUP.slice(3, 10), "", "✘ [ERROR] Build failed with 1 error:"])).toEqual([
      { to: "stderr", text: "Build failed with 1 error:" },
    ]);
    expect(feed(output, [...STARTUP.slice(4, 9), ""])).toEqual([
      { to: "stderr", text: "bindings: Durable Object ×2, D1 Database ×1" },
    ]);
  });

  it("shows every line, colours removed, with --verbose", () => {
    const shown = feed(new WranglerOutput(true), STARTUP);
    expect(shown).toHaveLength(STARTUP.filter((line) => line !== "").length);
    expect(shown.map((s) => s.text).join("\n")).not.toContain(E);
  });
});
