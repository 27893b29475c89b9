import { Hono } from "hono";
import { z } from "zod";
import { ACTIONS, actionRunResponse } from "./actions";
import { type AuthShape, authenticate } from "./auth";
import type { EmulatorConfig, Integration } from "./config";
import { FaultSpecSchema, faultResponse, type RequestFacts } from "./faults";
import { membraneError, membraneErrorResponse } from "./membrane-error";
import type { EmulatorStore } from "./store";
import { VENDORS } from "./vendors";
import { WebhookEventsSeedSchema } from "./vendors/coupontools";
import { describeIssues, type VendorContext } from "./vendors/vendor-app";

/** Request bodies are logged whole up to this size, so tests can assert exact payloads. */
const LOGGED_BODY_LIMIT = 64 * 1024;
const PROXY_PATH = /^\/connections\/([^/]+)\/proxy(\/.*)?$/;

interface Deps {
  store: EmulatorStore;
  config: EmulatorConfig;
  now?: () => number;
}
type ApiEnv = { Variables: { facts: RequestFacts; auth?: AuthShape; fault?: boolean } };

export function createApp({ store, config, now = Date.now }: Deps): Hono {
  const integrationOf = (connectionId: string): Integration | undefined =>
    Object.hasOwn(config.EMULATOR_CONNECTIONS, connectionId)
      ? config.EMULATOR_CONNECTIONS[connectionId]
      : undefined;
  const unknownConnection = (connectionId: string) =>
    membraneErrorResponse(
      404,
      membraneError("not_found", "connection_not_found", `Connection ${connectionId} was not found.`),
    );
  const vendorContext = (connectionId: string): VendorContext => ({ store, connectionId, config, now });

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
  app.post("/_emulator/forged-events", async (c) => {
    const parsed = z
      .object({ ids: z.array(z.string().min(1)) })
      .safeParse(await c.req.json().catch(() => undefined));
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
    const connectionId = proxy?.[1] ? decodeURIComponent(proxy[1]) : url.searchParams.get("connectionId");
    if (connectionId) facts.connectionId = connectionId;
    if (proxy) facts.vendorPath = proxy[2] ?? "/";
    c.set("facts", facts);
    const text = await c.req.text();
    await next();
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
    const result = await authenticate(c.req.header("authorization"), config);
    c.set("auth", result.shape);
    if (!result.ok) {
      return membraneErrorResponse(401, membraneError("not_authenticated", result.key, result.message));
    }
    await next();
  });

  api.use(async (c, next) => {
    const fault = store.takeFault(c.get("facts"));
    if (!fault) return next();
    c.set("fault", true);
    if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.status === undefined) return next();
    return faultResponse({ ...fault, status: fault.status });
  });

  // The vendor's answer passes through unchanged, as Membrane's proxy does.
  api.all("/connections/:connectionId/proxy/*", async (c) => {
    const connectionId = c.req.param("connectionId");
    const integration = integrationOf(connectionId);
    if (!integration) return unknownConnection(connectionId);
    const url = new URL(c.req.url);
    const hasBody = c.req.method !== "GET" && c.req.method !== "HEAD";
    const upstream = new Request(
      new URL(`${c.get("facts").vendorPath}${url.search}`, "https://vendor.invalid"),
      {
        method: c.req.method,
        headers: { "content-type": c.req.header("content-type") ?? "application/json" },
        body: hasBody ? await c.req.text() : null,
      },
    );
    return VENDORS[integration].fetch(upstream, vendorContext(connectionId));
  });

  api.post("/actions/:key/run", async (c) => {
    const key = c.req.param("key");
    const connectionId = c.req.query("connectionId");
    if (!connectionId) {
      return membraneErrorResponse(
        400,
        membraneError("bad_request", "connection_id_required", "Pass ?connectionId=."),
      );
    }
    const integration = integrationOf(connectionId);
    if (!integration) return unknownConnection(connectionId);
    const action = Object.hasOwn(ACTIONS, key) ? ACTIONS[key] : undefined;
    if (!action || action.integration !== integration) {
      return membraneErrorResponse(
        404,
        membraneError("not_found", "action_not_found", `Action ${key} does not exist for ${integration}.`),
      );
    }
    const body = z.object({ input: z.unknown() }).safeParse(await c.req.json().catch(() => undefined));
    const plan = action.plan(body.data?.input ?? {});
    if (!plan.ok) {
      return membraneErrorResponse(
        400,
        membraneError("bad_request", "invalid_input", describeIssues(plan.error)),
      );
    }
    const { call } = plan;
    const res = await VENDORS[integration].request(
      call.path,
      {
        method: call.method,
        headers: { "content-type": "application/json" },
        body: call.body === undefined ? null : JSON.stringify(call.body),
      },
      vendorContext(connectionId),
    );
    return actionRunResponse(action, res);
  });

  app.route("/", api);
  app.notFound(() =>
    membraneErrorResponse(404, membraneError("not_found", "route_not_found", "No such API endpoint.")),
  );
  app.onError((error) => {
    console.error("membrane-emulator: unhandled error", error);
    return membraneErrorResponse(500, membraneError("internal", "emulator_error", "The emulator failed."));
  });
  return app;
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
