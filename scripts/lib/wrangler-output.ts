// What `npm start` shows of `wrangler dev`'s output: the bridge's own JSON log lines, plain, on stdout; a line
// for each of wrangler's tables and notices on stderr; the offline machine's known noise dropped. Pure and
// line by line, so it is tested on wrangler's real output (test/scripts/wrangler-output.unit.test.ts).

export interface Shown {
  to: "stdout" | "stderr";
  text: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what is being removed.
const ANSI = /\u001b\[[0-9;]*m/g;
/** wrangler's marks around a worker's console.warn/error and its own notices. */
const MARK = /^(?:▲ \[WARNING\]|✘ \[ERROR\])\s*/;
const TABLE_ROW = /^env\.\S+ \(.*\)\s{2,}(.+?)\s{2,}(local|remote)\s*$/;

/** Lines dropped whole: wrangler's banner, notices said in our own banner, and the offline `Request.cf` noise. */
const DROPPED = [
  /^\s*⛅️ wrangler/,
  /^─+$/,
  /^⎔ (Starting local server|Connection status updated)/,
  /^\[wrangler:info\] Ready on /,
  /^\[wrangler:warn\] Unable to fetch the `Request\.cf` object/,
  /^Error: getaddrinfo ENOTFOUND workers\.cloudflare\.com/,
  /^\s+at GetAddrInfoReqWrap/,
  /^Binding\s+Resource\s+Mode$/,
  /^\s*To manually trigger a scheduled event, run:/,
  /^\s*For more details, see https:\/\/developers\.cloudflare\.com\/workers\/configuration\/cron-triggers/,
  /no such Durable Object class is exported from the worker/,
  /^If you think this is a bug then please create an issue/,
];

export class WranglerOutput {
  private bindings = new Map<string, number>();
  private shownBindings = "";
  private shownSecrets = "";
  /** Set while the lines of an uncaught start-up error's stack follow. */
  private inStack = false;
  /** The worker's start-up error, when it stopped on one (a bad config or code). */
  startupError: string | undefined;
  /** `--verbose`: every line as wrangler printed it (colours removed). */
  private readonly verbose: boolean;
  constructor(verbose = false) {
    this.verbose = verbose;
  }

  line(raw: string): Shown[] {
    const text = raw.replace(ANSI, "").trimEnd();
    if (this.verbose) return text === "" ? [] : [{ to: "stderr", text }];
    const row = TABLE_ROW.exec(text);
    if (row?.[1]) {
      this.bindings.set(row[1], (this.bindings.get(row[1]) ?? 0) + 1);
      return [];
    }
    const shown = this.flushBindings();
    return [...shown, ...this.classify(text)];
  }

  /** The bindings table as one line, once, and again only when it changes (as the secrets line). */
  private flushBindings(): Shown[] {
    if (this.bindings.size === 0) return [];
    const summary = [...this.bindings].map(([resource, n]) => `${resource} ×${n}`).join(", ");
    this.bindings.clear();
    if (summary === this.shownBindings) return [];
    this.shownBindings = summary;
    return [{ to: "stderr", text: `bindings: ${summary}` }];
  }

  private classify(text: string): Shown[] {
    if (text === "" || DROPPED.some((pattern) => pattern.test(text))) return [];
    const unmarked = text.replace(MARK, "");
    if (unmarked.startsWith("{")) {
      this.inStack = false;
      return [{ to: "stdout", text: unmarked }];
    }
    if (/^service core:user:[^:]+: Uncaught /.test(unmarked)) {
      this.startupError = unmarked.replace(/^service core:user:[^:]+: Uncaught (Error: )?/, "");
      this.inStack = true;
      return [];
    }
    if (this.inStack && /^\s+at /.test(text)) return [];
    this.inStack = false;
    if (/^The Workers runtime failed to start/.test(unmarked) || /^\s*Runtime stderr:/.test(text)) return [];
    if (/^\s*\{"timestamp":.*"level":"error"/.test(text)) return [];
    if (/^Scheduled Workers are not automatically triggered/.test(unmarked)) return [];
    const cron = /^\s*curl "(http:\/\/[^"]+\/cdn-cgi\/local\/scheduled)"/.exec(text);
    if (cron)
      return [{ to: "stderr", text: `cron: not run by itself locally; run it with: curl ${cron[1]}` }];
    if (/^Using secrets defined in /.test(text)) {
      const secrets = `secrets: ${text.slice("Using secrets defined in ".length)}`;
      if (secrets === this.shownSecrets) return [];
      this.shownSecrets = secrets;
      return [{ to: "stderr", text: secrets }];
    }
    if (/^Your Worker has access to the following bindings:/.test(text)) return [];
    if (/^⎔ Reloading local server/.test(text))
      return [{ to: "stderr", text: "bridge: reloading (wrangler.toml or src/ changed)" }];
    // Request lines: `npm run tail` tells what each request did.
    if (/^\[wrangler:info\] (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /.test(text)) return [];
    return [{ to: "stderr", text: unmarked }];
  }
}
