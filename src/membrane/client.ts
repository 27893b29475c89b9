import { hasKey } from "../lib/has-key";
import { redactEmail } from "../lib/log";
import { dotSegmentIn } from "../lib/url-path";
import { parseMembraneConfig } from "./config";
import {
  type BodyCheck,
  type CallOutcome,
  type Classification,
  classifyAnswer,
  classifyFailure,
  notSent,
} from "./outcome";
import { readCapped } from "./read-capped";
import { type ResponseSummary, summarizeRequest, summarizeResponse } from "./summary";
import { type TokenSource, tokenSourceFor } from "./token";

export { readCapped } from "./read-capped";

/** The API version the Membrane SDK announces; it fixes the shape of Membrane's answers. */
export const MEMBRANE_API_VERSION = "2025-10-21";
export const DEFAULT_TIMEOUT_MS = 15_000;
/**
 * At most this much of an answer is read, parsed and masked; the rest is discarded unread. Every answer the
 * bridge uses is far smaller; a runaway body must not cost memory or CPU in the worker.
 */
export const RESPONSE_READ_LIMIT_BYTES = 64 * 1024;

/** `fetch` or a service binding's `fetch` (tests and local dev reach the emulator through one). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

interface CallOptions {
  /** Turns a 2xx answer into a permanent failure when the vendor reports an error in the body. */
  acceptBody?: BodyCheck;
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number;
  /** Reads more of this call's answer than RESPONSE_READ_LIMIT_BYTES (a list the recipe must see whole). */
  readLimitBytes?: number;
}

export interface ProxyRequest extends CallOptions {
  connectionId: string;
  method: HttpMethod;
  /** The vendor path, e.g. `/v3/loyaltyusers/update`; Membrane prefixes the vendor's base URL. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
}

/** An action by its key (a saved workspace or integration action) or its Membrane id (also a catalog action). */
export type ActionRef = { key: string } | { id: string };

export type ActionRunRequest = CallOptions &
  ActionRef & {
    connectionId: string;
    input: unknown;
  };

export interface MembraneClientOptions {
  apiUrl: string;
  tokens: TokenSource;
  fetch?: FetchLike;
  timeoutMs?: number;
  now?: () => number;
  /** Told each call's outcome as it ends (a lane's breaker and concurrency learn from every call). */
  observe?: (outcome: CallOutcome) => void;
}

/**
 * A small fetch-based client for the two Membrane calls the bridge makes. It never throws for an HTTP
 * or network failure: every call resolves to a classified `CallOutcome`.
 */
export class MembraneClient {
  private readonly apiUrl: string;
  private readonly tokens: TokenSource;
  private readonly fetch: FetchLike;
  /** How long a call may take before it is given up (MEMBRANE_TIMEOUT_MS). */
  readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly observe: ((outcome: CallOutcome) => void) | undefined;

  constructor(options: MembraneClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.tokens = options.tokens;
    // Wrapped: the runtime's fetch must not be called with another `this`.
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
    this.observe = options.observe;
  }

  /**
   * `{METHOD} {base}/connections/{id}/proxy/{path}`: the vendor's own answer, passed through by Membrane. A URL
   * that would not stay under `/connections/{id}/proxy/` is never sent (unsafeProxyPath): it carries the
   * workspace's token, which Membrane's own API takes as well.
   */
  proxy(request: ProxyRequest): Promise<CallOutcome> {
    const path = request.path.replace(/^\/+/, "");
    const url = new URL(
      `${this.apiUrl}/connections/${encodeURIComponent(request.connectionId)}/proxy/${path}`,
    );
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.append(name, String(value));
    }
    const unsafe = unsafeProxyPath(this.apiUrl, request.connectionId, request.path, url);
    if (unsafe !== undefined) {
      const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
      return Promise.resolve({
        kind: "permanent",
        code: "unsafe_proxy_path",
        reason: unsafe,
        request: summarizeRequest(request.method, url, payload),
        durationMs: 0,
      });
    }
    return this.call("proxy", request.method, url, request.body, request);
  }

  /**
   * `POST {base}/act` with `{key, connectionId, input}` (docs reference/workspace-elements/act, the current
   * way to run an action); answers `{output, actionRunId}`, and a failed run's error body still carries
   * `actionRunId`.
   */
  act(request: ActionRunRequest): Promise<CallOutcome> {
    const url = new URL(`${this.apiUrl}/act`);
    const ref = "id" in request ? { id: request.id } : { key: request.key };
    const body = { ...ref, connectionId: request.connectionId, input: request.input };
    return this.call("action", "POST", url, body, request);
  }

  /** `POST {base}/actions/{key}/run?connectionId=` with `{input}` (the legacy predecessor of /act). */
  runAction(request: ActionRunRequest): Promise<CallOutcome> {
    const selector = "id" in request ? request.id : request.key;
    const url = new URL(`${this.apiUrl}/actions/${encodeURIComponent(selector)}/run`);
    url.searchParams.set("connectionId", request.connectionId);
    return this.call("action", "POST", url, { input: request.input }, request);
  }

  /**
   * A read of Membrane's own API (`GET {base}/connections/{id}`, `GET {base}/actions/{id}`...): `segments` are
   * encoded one by one, so no value can leave the path it names.
   */
  read(segments: readonly string[], options: CallOptions = {}): Promise<CallOutcome> {
    // encodeURIComponent keeps "." and "..", which the URL parser would resolve as steps up.
    if (segments.some((segment) => segment === "." || segment === ".."))
      return Promise.resolve(
        notSent("unsafe_api_path", `a segment of GET /${segments.join("/")} is a dot segment; not sent`),
      );
    const url = new URL(`${this.apiUrl}/${segments.map(encodeURIComponent).join("/")}`);
    return this.call("api", "GET", url, undefined, options);
  }

  private async call(
    kind: "proxy" | "action" | "api",
    method: HttpMethod,
    url: URL,
    body: unknown,
    options: CallOptions,
  ): Promise<CallOutcome> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = summarizeRequest(method, url, payload);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const readLimit = options.readLimitBytes ?? RESPONSE_READ_LIMIT_BYTES;
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.tokens.token()}`,
      "membrane-api-version": MEMBRANE_API_VERSION,
      accept: "application/json",
    };
    if (payload !== undefined) headers["content-type"] = "application/json";

    const started = this.now();
    const finish = (verdict: Classification, response?: ResponseSummary): CallOutcome => {
      const outcome = {
        ...verdict,
        request,
        ...(response ? { response } : {}),
        durationMs: this.now() - started,
      };
      this.observe?.(outcome);
      return outcome;
    };

    let response: Response;
    let text: string;
    let truncated: boolean;
    try {
      response = await this.fetch(url.toString(), {
        method,
        headers,
        body: payload ?? null,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Inside the try: the timeout also covers a body that arrives too slowly.
      ({ text, truncated } = await readCapped(response, readLimit));
    } catch (error) {
      return finish(classifyFailure(error, timeoutMs));
    }
    // A cut-off body is not parsed: half a JSON document would be misread.
    const json = truncated ? undefined : parseJson(text);
    const parsed = json !== undefined ? json.value : text === "" ? null : text;
    const verdict = classifyAnswer({
      call: kind,
      status: response.status,
      headers: response.headers,
      body: parsed,
      acceptBody: options.acceptBody,
      nowMs: this.now(),
    });
    const summary = summarizeResponse(response.status, response.headers, text, json);
    const outcome = finish(verdict, truncated ? { ...summary, truncatedAtBytes: readLimit } : summary);
    const actionRunId = kind === "action" ? actionRunIdOf(parsed) : undefined;
    return actionRunId === undefined ? outcome : { ...outcome, actionRunId };
  }
}

/**
 * Why a proxy URL must not be sent, or undefined. The URL parser resolves dot segments (`..`, `%2e%2e`, ...)
 * before anything is sent, so `{base}/connections/{id}/proxy/../..` reaches Membrane's own API; and a dot
 * segment that stays under the proxy (`/v4/directory/../users`) still reaches another vendor resource than
 * the one written. Both are refused: the vendor path may hold no dot segment in any decoding (dotSegmentIn),
 * and the URL's path must start with the base URL's own path, then `/connections/{id}/proxy/`.
 */
export function unsafeProxyPath(
  apiUrl: string,
  connectionId: string,
  vendorPath: string,
  url: URL,
): string | undefined {
  const shown = `"${clipPath(vendorPath)}"`;
  const dots = dotSegmentIn(vendorPath);
  if (dots !== undefined)
    return `The proxy path ${shown} holds the dot segment "${dots}", which would send the call to another path; not sent`;
  const prefix = `${new URL(apiUrl).pathname.replace(/\/+$/, "")}/connections/${encodeURIComponent(connectionId)}/proxy/`;
  if (!url.pathname.startsWith(prefix))
    return `The proxy URL for path ${shown} resolves to "${clipPath(url.pathname)}", outside ${clipPath(prefix)}; not sent`;
  return undefined;
}

/** A path for a reason: e-mails masked as in the summaries, also when URL-encoded (`%40`), and cut short. */
function clipPath(path: string): string {
  const masked = redactEmail(path.replace(/%40/gi, "@"));
  return masked.length > 120 ? `${masked.slice(0, 120)}…` : masked;
}

function actionRunIdOf(body: unknown): string | undefined {
  if (!hasKey(body, "actionRunId")) return undefined;
  const id = body.actionRunId;
  return typeof id === "string" && id.length <= 200 ? id : undefined;
}

/** The body's JSON value, or undefined when it is empty or not JSON. */
function parseJson(text: string): { value: unknown } | undefined {
  if (text === "") return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** How the worker reaches Membrane: through a `MEMBRANE` service binding when one exists, else the network. */
export function membraneFetch(env: Record<string, unknown>): FetchLike {
  return serviceBindingFetch(env.MEMBRANE) ?? ((input, init) => fetch(input, init));
}

function serviceBindingFetch(binding: unknown): FetchLike | undefined {
  if (!hasKey(binding, "fetch")) return undefined;
  const fetcher = binding as Fetcher;
  return typeof fetcher.fetch === "function" ? (input, init) => fetcher.fetch(input, init) : undefined;
}

/**
 * The client for the worker's environment (see config.ts). When a `MEMBRANE` service binding exists
 * (tests and local development bind the emulator), calls go through it instead of the network.
 */
export function membraneClientFromEnv(
  env: Record<string, unknown>,
  options: Pick<MembraneClientOptions, "fetch" | "now" | "observe"> = {},
): MembraneClient {
  const config = parseMembraneConfig(env);
  return new MembraneClient({
    apiUrl: config.apiUrl,
    timeoutMs: config.timeoutMs,
    tokens: tokenSourceFor(config.auth, options.now),
    fetch: options.fetch ?? membraneFetch(env),
    ...(options.now ? { now: options.now } : {}),
    ...(options.observe ? { observe: options.observe } : {}),
  });
}
