import { parseMembraneConfig } from "./config";
import { type BodyCheck, type CallOutcome, classifyAnswer, classifyFailure, type Verdict } from "./outcome";
import { type ResponseSummary, summarizeRequest, summarizeResponse } from "./summary";
import { type TokenSource, tokenSourceFor } from "./token";

/** The API version the Membrane SDK announces; it fixes the shape of Membrane's answers. */
export const MEMBRANE_API_VERSION = "2025-10-21";
export const DEFAULT_TIMEOUT_MS = 15_000;

/** `fetch` or a service binding's `fetch` (tests and local dev reach the emulator through one). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

interface CallOptions {
  /** Turns a 2xx answer into a permanent failure when the vendor reports an error in the body. */
  acceptBody?: BodyCheck;
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number;
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

export interface ActionRunRequest extends CallOptions {
  key: string;
  connectionId: string;
  input: unknown;
}

export interface MembraneClientOptions {
  apiUrl: string;
  tokens: TokenSource;
  fetch?: FetchLike;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * A small fetch-based client for the two Membrane calls the bridge makes. It never throws for an HTTP
 * or network failure: every call resolves to a classified `CallOutcome`.
 */
export class MembraneClient {
  private readonly apiUrl: string;
  private readonly tokens: TokenSource;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(options: MembraneClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.tokens = options.tokens;
    // Wrapped: the runtime's fetch must not be called with another `this`.
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  /** `{METHOD} {base}/connections/{id}/proxy/{path}`: the vendor's own answer, passed through by Membrane. */
  proxy(request: ProxyRequest): Promise<CallOutcome> {
    const path = request.path.replace(/^\/+/, "");
    const url = new URL(
      `${this.apiUrl}/connections/${encodeURIComponent(request.connectionId)}/proxy/${path}`,
    );
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.append(name, String(value));
    }
    return this.call("proxy", request.method, url, request.body, request);
  }

  /** `POST {base}/actions/{key}/run?connectionId=` with `{input}`; answers `{output, actionRunId}`. */
  runAction(request: ActionRunRequest): Promise<CallOutcome> {
    const url = new URL(`${this.apiUrl}/actions/${encodeURIComponent(request.key)}/run`);
    url.searchParams.set("connectionId", request.connectionId);
    return this.call("action", "POST", url, { input: request.input }, request);
  }

  private async call(
    kind: "proxy" | "action",
    method: HttpMethod,
    url: URL,
    body: unknown,
    options: CallOptions,
  ): Promise<CallOutcome> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = summarizeRequest(method, url, payload);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.tokens.token()}`,
      "membrane-api-version": MEMBRANE_API_VERSION,
      accept: "application/json",
    };
    if (payload !== undefined) headers["content-type"] = "application/json";

    const started = this.now();
    const finish = (verdict: Verdict, response?: ResponseSummary): CallOutcome => ({
      ...verdict,
      request,
      ...(response ? { response } : {}),
      durationMs: this.now() - started,
    });

    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url.toString(), {
        method,
        headers,
        body: payload ?? null,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Inside the try: the timeout also covers a body that arrives too slowly.
      text = await response.text();
    } catch (error) {
      return finish(classifyFailure(error, timeoutMs));
    }
    const verdict = classifyAnswer({
      call: kind,
      status: response.status,
      headers: response.headers,
      body: parseBody(text),
      acceptBody: options.acceptBody,
      nowMs: this.now(),
    });
    return finish(verdict, summarizeResponse(response.status, response.headers, text));
  }
}

function parseBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function serviceBindingFetch(binding: unknown): FetchLike | undefined {
  if (typeof binding !== "object" || binding === null || !("fetch" in binding)) return undefined;
  const fetcher = binding as Fetcher;
  return typeof fetcher.fetch === "function" ? (input, init) => fetcher.fetch(input, init) : undefined;
}

/**
 * The client for the worker's environment (see config.ts). When a `MEMBRANE` service binding exists
 * (tests and local development bind the emulator), calls go through it instead of the network.
 */
export function membraneClientFromEnv(
  env: Record<string, unknown>,
  options: { fetch?: FetchLike; now?: () => number } = {},
): MembraneClient {
  const config = parseMembraneConfig(env);
  const fetchFn = options.fetch ?? serviceBindingFetch(env.MEMBRANE);
  return new MembraneClient({
    apiUrl: config.apiUrl,
    timeoutMs: config.timeoutMs,
    tokens: tokenSourceFor(config.auth, options.now),
    ...(fetchFn ? { fetch: fetchFn } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
