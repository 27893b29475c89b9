import { Hono } from "hono";
import { z } from "zod";
import { ACTIONS, type VendorAnswer, type VendorCall } from "./actions";
import { type AuthShape, createAuthenticator } from "./auth";
import {
  type ActionInputRenames,
  type EmulatorConfig,
  EmulatorSettingsSchema,
  type Integration,
} from "./config";
import { actionId, definitionOf, designInput, workspaceNames } from "./definitions";
import { droppedResponse, FaultSpecSchema, faultResponse, type RequestFacts } from "./faults";
import { membraneError, membraneErrorResponse } from "./membrane-error";
import type { EmulatorStore } from "./store";
import { vendorFetch } from "./vendors";
import { WebhookEventsSeedSchema } from "./vendors/coupontools";
import { describeIssues, type VendorContext } from "./vendors/vendor-app";

/** Request bodies are logged whole up to this size, so tests can assert exact payloads. */
const LOGGED_BODY_LIMIT = 64 * 1024;
const PROXY_PATH = /^\/connections\/([^/]+)\/proxy(\/.*)?$/;
// Schemas are built once, not per request: building a zod schema costs more than most parses it does.
const ActConnectionSchema = z.object({ connectionId: z.string() });
const ActionRunBodySchema = z.object({ input: z.unknown() });
const ForgedEventsSchema = z.object({ ids: z.array(z.string().min(1)) });
/** POST /_emulator/coupontools/loyalty-users: a card's users made at once (e-mails `<prefix><n>@<domain>`). */
const LoyaltySeedSchema = z.strictObject({
  connectionId: z.string().min(1),
  loyaltycard: z.string().min(1),
  count: z.int().min(1).max(200_000),
  localPrefix: z
    .string()
    .regex(/^[A-Za-z0-9._+-]{0,40}$/)
    .default("seed-user-"),
  domain: z
    .string()
    .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/)
    .default("example.test"),
});

interface Deps {
  store: EmulatorStore;
  config: EmulatorConfig;
  now?: () => number;
}
type ApiEnv = { Variables: { facts: RequestFacts; auth?: AuthShape; fault?: boolean; dropped?: boolean } };

export function createApp({ store, config, now = Date.now }: Deps): Hono {
  const integrationOf = (connectionId: string): Integration | undefined =>
    Object.hasOwn(config.EMULATOR_CONNECTIONS, connectionId)
      ? config.EMULATOR_CONNECTIONS[connectionId]
      : undefined;
  const unknownConnection = (connectionId: string) =>
    membraneErrorResponse(
      membraneError("bad_request", "not_found", `Connection with id '${connectionId}' not found`),
    );
  const jsonSetting = (name: string): unknown => {
    const value = store.setting(name);
    return value === undefined ? undefined : JSON.parse(value);
  };
  const settings = () => ({
    stampsField: store.setting("stampsField") ?? config.EMULATOR_COUPONTOOLS_STAMPS_FIELD,
    ometriaBasePath: store.setting("ometriaBasePath") ?? config.EMULATOR_OMETRIA_BASE_PATH,
    actionInputRenames: (jsonSetting("actionInputRenames") ?? {}) as ActionInputRenames,
    disconnectedConnections: (jsonSetting("disconnectedConnections") ?? []) as string[],
    listPageSize: Number(store.setting("listPageSize") ?? config.EMULATOR_LIST_PAGE_SIZE),
    duplicateLoyaltyEmails: (store.setting("duplicateLoyaltyEmails") ?? "allow") as "allow" | "refuse",
    searchMatches: (store.setting("searchMatches") ?? "part") as "part" | "whole",
  });
  const vendorContext = (connectionId: string): VendorContext => ({
    store,
    connectionId,
    config,
    now,
    settings,
  });

  const authenticate = createAuthenticator(config);
  const app = new Hono();

  // Control plane for tests and demos (not part of Membrane's API) ----------------------------------
  app.get("/", (c) => c.json({ name: "membrane-emulator", connections: config.EMULATOR_CONNECTIONS }));
  app.get("/_emulator/state", (c) => c.json(store.snapshot()));
  app.post("/_emulator/reset", (c) => {
    store.reset();
    return c.body(null, 204);
  });
  app.post("/_emulator/faults", async (c) => {
    const parsed = FaultSpecSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: describeIssues(parsed.error) }, 400);
    return c.json({ id: store.addFault(parsed.data), ...parsed.data }, 201);
  });
  app.post("/_emulator/settings", async (c) => {
    const parsed = EmulatorSettingsSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: describeIssues(parsed.error) }, 400);
    for (const [name, value] of Object.entries(parsed.data))
      store.setSetting(
        name,
        typeof value === "string" || typeof value === "number" ? String(value) : JSON.stringify(value),
      );
    return c.json(settings());
  });
  app.get("/_emulator/traffic", (c) => c.json({ connections: store.traffic() }));
  app.post("/_emulator/coupontools/loyalty-users", async (c) => {
    const parsed = LoyaltySeedSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: describeIssues(parsed.error) }, 400);
    const { connectionId, loyaltycard, ...seed } = parsed.data;
    if (integrationOf(connectionId) !== "coupontools")
      return c.json({ error: `connectionId: ${connectionId} is not a Coupontools connection` }, 400);
    return c.json(store.seedLoyaltyUsers(connectionId, loyaltycard, seed), 201);
  });
  app.post("/_emulator/forged-events", async (c) => {
    const parsed = ForgedEventsSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: describeIssues(parsed.error) }, 400);
    store.addForgedEvents(parsed.data.ids);
    return c.body(null, 204);
  });

  app.post("/_emulator/coupontools/webhooks", async (c) => {
    const parsed = WebhookEventsSeedSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: describeIssues(parsed.error) }, 400);
    const { connectionId, events } = parsed.data;
    if (integrationOf(connectionId) !== "coupontools") {
      return c.json({ error: `connectionId: ${connectionId} is not a Coupontools connection` }, 400);
    }
    store.addWebhookEvents(connectionId, events);
    return c.body(null, 204);
  });

  // Membrane's API ----------------------------------------------------------------------------------
  const api = new Hono<ApiEnv>();

  // Log every call with what arrived and what was answered; the Authorization header only by its shape.
  api.use(async (c, next) => {
    const url = new URL(c.req.url);
    const proxy = PROXY_PATH.exec(url.pathname);
    const facts: RequestFacts = { method: c.req.method, path: url.pathname };
    const text = await c.req.text();
    // POST /act names its connection in the body.
    const actConnection =
      url.pathname === "/act"
        ? ActConnectionSchema.safeParse(parseLoggedBody(text)).data?.connectionId
        : undefined;
    const connectionId =
      (proxy?.[1] ? decodeURIComponent(proxy[1]) : url.searchParams.get("connectionId")) ?? actConnection;
    if (connectionId) facts.connectionId = connectionId;
    if (proxy) facts.vendorPath = proxy[2] ?? "/";
    c.set("facts", facts);
    await next();
    // What the caller read: the bench's bytes per order (the answer is cloned, so the caller still gets it).
    // A dropped answer's body breaks off: nothing to count (and reading it would fail here instead).
    if (facts.connectionId !== undefined && !c.get("dropped"))
      store.countTraffic(facts.connectionId, (await c.res.clone().arrayBuffer()).byteLength);
    store.logRequest({
      at: new Date(now()).toISOString(),
      method: facts.method,
      path: url.pathname + url.search,
      connectionId: facts.connectionId ?? null,
      vendorPath: facts.vendorPath ?? null,
      headers: {
        contentType: c.req.header("content-type") ?? null,
        membraneApiVersion: c.req.header("membrane-api-version") ?? null,
      },
      auth: c.get("auth") ?? null,
      body: parseLoggedBody(text),
      status: c.res.status,
      fault: c.get("fault") ?? false,
    });
  });

  api.use(async (c, next) => {
    const result = await authenticate(c.req.header("authorization"));
    c.set("auth", result.shape);
    if (!result.ok) {
      // The key is documented (bad_request/not_authenticated -> 401); which check failed goes in `data`.
      return membraneErrorResponse(
        membraneError("bad_request", "not_authenticated", result.message, { reason: result.key }),
      );
    }
    await next();
  });

  api.use(async (c, next) => {
    const fault = store.takeFault(c.get("facts"));
    if (!fault) return next();
    c.set("fault", true);
    if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.drop) {
      if (fault.applyThenFail) await next();
      c.set("dropped", true);
      c.res = undefined;
      c.res = droppedResponse();
      return c.res;
    }
    if (fault.status === undefined) return next();
    // "Apply then answer an error": the call takes effect, but the caller sees the fault's answer.
    if (fault.applyThenFail) {
      await next();
      c.res = undefined;
      c.res = faultResponse({ ...fault, status: fault.status });
      return;
    }
    return faultResponse({ ...fault, status: fault.status });
  });

  /**
   * A vendor call made by an action, through the same fault injection as proxy calls: faults that name a
   * vendor path prefix apply to the vendor calls inside actions too (as a vendor failing would).
   */
  const callVendor =
    (integration: Integration, connectionId: string, key: string) =>
    async (call: VendorCall): Promise<VendorAnswer> => {
      const ctx = vendorContext(connectionId);
      // An action reaches the vendor under the connector's base URL, as the proxy does.
      const path = integration === "ometria" ? `${ctx.settings().ometriaBasePath}${call.path}` : call.path;
      const fault = store.takeFault(
        { method: call.method, path: "(action)", vendorPath: path, connectionId },
        { vendorPathOnly: true },
      );
      if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      const send = () =>
        vendorFetch(
          integration,
          path,
          {
            method: call.method,
            headers: { "content-type": "application/json" },
            body: call.body === undefined ? null : JSON.stringify(call.body),
          },
          ctx,
        );
      let res: Response;
      const status = fault?.drop ? 502 : fault?.status;
      if (fault && status !== undefined) {
        if (fault.applyThenFail) await send();
        res = faultResponse({ ...fault, status });
      } else {
        res = await send();
      }
      const text = await res.text();
      // Logged like a proxy call, so tests see every vendor call whichever path made it.
      store.logRequest(
        {
          at: new Date(now()).toISOString(),
          method: call.method,
          path: "(action)",
          connectionId,
          vendorPath: path,
          headers: { contentType: "application/json", membraneApiVersion: null },
          auth: null,
          body: call.body ?? null,
          status: res.status,
          fault: fault !== undefined,
          action: key,
        },
        // Written with the request's own entry, which follows it (the log keeps its order).
        { deferred: true },
      );
      // The action reads the vendor's whole answer (a list action lists every user); only logs are cut.
      return { status: res.status, headers: res.headers, body: parseAnswer(text) };
    };

  /** The action a selector names on a connection's integration: a key, or an id (definitions.ts actionId). */
  const actionFor = (selector: { key: string } | { id: string }, integration: Integration) => {
    const key =
      "key" in selector
        ? selector.key
        : Object.keys(ACTIONS).find((k) => actionId(integration, k) === selector.id);
    const action = key !== undefined && Object.hasOwn(ACTIONS, key) ? ACTIONS[key] : undefined;
    return action && key !== undefined && action.integration === integration ? { key, action } : undefined;
  };
  const noSuchAction = (selector: { key: string } | { id: string }, integration: string) =>
    membraneErrorResponse(
      membraneError(
        "bad_request",
        "not_found",
        `Action ${"key" in selector ? selector.key : selector.id} does not exist for ${integration}.`,
      ),
    );

  const runAction = async (
    selector: { key: string } | { id: string },
    connectionId: string,
    rawInput: unknown,
  ): Promise<Response> => {
    const integration = integrationOf(connectionId);
    if (!integration) return unknownConnection(connectionId);
    const found = actionFor(selector, integration);
    if (!found) return noSuchAction(selector, integration);
    const { key, action } = found;
    // docs docs/actions: input is validated against the action's inputSchema, extra properties ignored.
    const renames = settings().actionInputRenames[key];
    const input = action.input.safeParse(designInput(rawInput ?? {}, renames));
    if (!input.success) {
      // The key for an input that fails the action's inputSchema is not documented; "invalid_input" is ours.
      return membraneErrorResponse(
        membraneError("bad_request", "invalid_input", describeIssues(workspaceNames(input.error, renames))),
      );
    }
    const actionRunId = `arun_${crypto.randomUUID()}`;
    const result = await action.run(
      input.data as never,
      callVendor(integration, connectionId, key),
      vendorContext(connectionId),
    );
    // docs reference/workspace-elements/act: `{output, actionRunId}`; a failure's body still carries actionRunId.
    if (result.ok) return Response.json({ output: result.output, actionRunId });
    const res = membraneErrorResponse(result.error, result.headers ?? {});
    return Response.json({ ...result.error, actionRunId }, { status: res.status, headers: res.headers });
  };

  // The vendor's answer passes through unchanged, as Membrane's proxy does.
  api.all("/connections/:connectionId/proxy/*", async (c) => {
    const connectionId = c.req.param("connectionId");
    const integration = integrationOf(connectionId);
    if (!integration) return unknownConnection(connectionId);
    const url = new URL(c.req.url);
    const hasBody = c.req.method !== "GET" && c.req.method !== "HEAD";
    return vendorFetch(
      integration,
      `${c.get("facts").vendorPath}${url.search}`,
      {
        method: c.req.method,
        headers: { "content-type": c.req.header("content-type") ?? "application/json" },
        body: hasBody ? await c.req.text() : null,
      },
      vendorContext(connectionId),
    );
  });

  // docs docs/actions + SDK ActionAccessor.run: POST /actions/{key}/run?connectionId= with `{input, meta?}`.
  api.post("/actions/:key/run", async (c) => {
    const connectionId = c.req.query("connectionId");
    if (!connectionId) {
      return membraneErrorResponse(
        membraneError("bad_request", "connection_id_required", "Pass ?connectionId=."),
      );
    }
    const body = ActionRunBodySchema.safeParse(await c.req.json().catch(() => undefined));
    return runAction({ key: c.req.param("key") }, connectionId, body.data?.input);
  });

  // agent-skills getConnection, SDK ConnectionAccessor.get: GET /connections/{id}. `connected` is the current
  // flag (`disconnected` its deprecated inverse); a connection needing re-authentication is
  // CLIENT_ACTION_REQUIRED (SDK WorkspaceElementState).
  api.get("/connections/:connectionId", (c) => {
    const connectionId = c.req.param("connectionId");
    const integration = integrationOf(connectionId);
    if (!integration) return unknownConnection(connectionId);
    const connected = !settings().disconnectedConnections.includes(connectionId);
    return c.json({
      id: connectionId,
      name: connectionId,
      integration: { key: integration },
      connected,
      disconnected: !connected,
      isDefunct: false,
      state: connected ? "READY" : "CLIENT_ACTION_REQUIRED",
    });
  });

  // SDK ConnectionLevelActionAccessor.get: GET /connections/{id}/actions/{key}, the action as a run on that
  // connection resolves it.
  api.get("/connections/:connectionId/actions/:key", (c) => {
    const connectionId = c.req.param("connectionId");
    const integration = integrationOf(connectionId);
    if (!integration) return unknownConnection(connectionId);
    const selector = { key: c.req.param("key") };
    const found = actionFor(selector, integration);
    if (!found) return noSuchAction(selector, integration);
    return c.json(definitionOf(found.key, found.action, settings().actionInputRenames));
  });

  // docs, agent-skills getAction: GET /actions/{selector}, an id or a unique key.
  api.get("/actions/:selector", (c) => {
    const selector = c.req.param("selector");
    for (const [key, action] of Object.entries(ACTIONS))
      if (key === selector || actionId(action.integration, key) === selector)
        return c.json(definitionOf(key, action, settings().actionInputRenames));
    return membraneErrorResponse(
      membraneError("bad_request", "not_found", `Action ${selector} does not exist.`),
    );
  });

  // SDK ActionsAccessor.find: GET /actions?connectionId=, answered `{items, cursor?}` (one page here).
  api.get("/actions", (c) => {
    const connectionId = c.req.query("connectionId");
    const integration = connectionId === undefined ? undefined : integrationOf(connectionId);
    if (connectionId !== undefined && !integration) return unknownConnection(connectionId);
    const items = Object.entries(ACTIONS)
      .filter(([, action]) => integration === undefined || action.integration === integration)
      .map(([key, action]) => definitionOf(key, action, settings().actionInputRenames));
    return c.json({ items });
  });

  // docs reference/workspace-elements/act: exactly one of id|key|api|code (more than one: 400); connection by
  // connectionId|connectionKey|integrationId|integrationKey; `input`, `meta`. The SDK's ActRequest is strict.
  const ActSchema = z.strictObject({
    id: z.string().optional(),
    key: z.string().optional(),
    api: z.unknown().optional(),
    code: z.unknown().optional(),
    connectionId: z.string().optional(),
    connectionKey: z.string().optional(),
    integrationId: z.string().optional(),
    integrationKey: z.string().optional(),
    input: z.unknown().optional(),
    meta: z.unknown().optional(),
  });
  api.post("/act", async (c) => {
    const body = ActSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) {
      return membraneErrorResponse(
        membraneError("bad_request", "invalid_request", describeIssues(body.error)),
      );
    }
    const { id, key, api: inline, code, connectionId, input } = body.data;
    const selectors = [id, key, inline, code].filter((v) => v !== undefined).length;
    if (selectors !== 1) {
      return membraneErrorResponse(
        membraneError("bad_request", "invalid_request", "Pass exactly one of id, key, api or code."),
      );
    }
    // Lenient where the emulator is narrower than Membrane: it runs actions by key or id on a connection id only.
    if ((key === undefined && id === undefined) || connectionId === undefined) {
      return membraneErrorResponse(
        membraneError(
          "bad_request",
          "not_supported",
          "The emulator runs actions by key or id with a connectionId.",
        ),
      );
    }
    return runAction(id !== undefined ? { id } : { key: key as string }, connectionId, input);
  });

  app.route("/", api);
  app.notFound(() =>
    membraneErrorResponse(membraneError("bad_request", "not_found", "No such API endpoint.")),
  );
  app.onError((error) => {
    console.error("membrane-emulator: unhandled error", error);
    return membraneErrorResponse(membraneError("internal", "internal", "The emulator failed."));
  });
  return app;
}

function parseAnswer(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseLoggedBody(text: string): unknown {
  if (text === "") return null;
  if (text.length > LOGGED_BODY_LIMIT) return `${text.slice(0, LOGGED_BODY_LIMIT)}…`;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
