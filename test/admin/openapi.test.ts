import { describe, expect, it } from "vitest";
import { adminRoutes } from "../../src/admin/api";
import { admin, adminJson, expectError } from "../support/admin";

interface Operation {
  operationId: string;
  parameters: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: { "application/json": { schema: JsonSchema } } };
  responses: Record<string, { content?: { "application/json": { schema: JsonSchema } }; $ref?: string }>;
}
interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: string[];
  maximum?: number;
  default?: unknown;
  [key: string]: unknown;
}
interface Document {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, JsonSchema> };
  security: unknown[];
}

const document = () => adminJson<Document>("/openapi.json");

function operation(doc: Document, method: string, path: string): Operation {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
  return op;
}

const okSchema = (op: Operation) => {
  const schema = op.responses["200"]?.content?.["application/json"].schema;
  if (!schema) throw new Error(`${op.operationId} documents no answer`);
  return schema;
};

describe("GET /admin/api/openapi.json", () => {
  it("needs the admin token like every admin call", async () => {
    await expectError(await admin("/openapi.json", { token: null }), 401, "unauthorized");
  });

  it("documents every route of the table once, with bearer auth and the JSON error shape", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "https://bridge.test/admin/api" }]);
    expect(doc.components.securitySchemes.adminToken).toEqual({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ adminToken: [] }]);

    const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      [
        "GET /events",
        "GET /events/{id}",
        "GET /activity",
        "POST /events/{id}/replay",
        "POST /deliveries/{id}/retry",
        "POST /deliveries/retry",
        "GET /pauses",
        "POST /pauses",
        "DELETE /pauses/{kind}/{name}",
        "GET /preflight",
        "GET /stats",
      ].sort(),
    );
    const ids = Object.values(doc.paths).flatMap((methods) =>
      Object.values(methods).map((op) => op.operationId),
    );
    expect(new Set(ids).size).toBe(adminRoutes.length);

    expect(doc.components.schemas.Error?.properties?.error?.required).toEqual(["code", "message"]);
    for (const op of Object.values(doc.paths).flatMap((methods) => Object.values(methods))) {
      expect(op.responses["401"]).toEqual({ $ref: "#/components/responses/Error401" });
    }
    expect(JSON.stringify(doc)).not.toContain('"$schema"');
  });

  it("derives parameters and schemas from the zod schemas", async () => {
    const doc = await document();
    const list = operation(doc, "get", "/events");
    const params = Object.fromEntries(list.parameters.map((p) => [p.name, p]));
    expect(Object.keys(params).sort()).toEqual([
      "cursor",
      "email",
      "from",
      "limit",
      "order_id",
      "q",
      "route",
      "status",
      "subject",
      "to",
      "type",
      "vendor_event_id",
    ]);
    expect(Object.values(params).every((p) => p.in === "query" && !p.required)).toBe(true);
    expect(params.limit?.schema).toMatchObject({ maximum: 200, minimum: 1, default: 50 });
    expect(params.status?.schema.enum).toEqual([
      "accepted",
      "queued",
      "processing",
      "done",
      "failed",
      "unrecognized",
      "rejected",
    ]);
    expect(params.from?.schema).toMatchObject({ type: "string", format: "date-time" });
    expect(list.responses["400"]).toEqual({ $ref: "#/components/responses/Error400" });
    expect(okSchema(list).required).toEqual(["events", "next_cursor"]);

    const detail = operation(doc, "get", "/events/{id}");
    expect(detail.parameters).toEqual([
      { name: "id", in: "path", required: true, schema: { type: "string", minLength: 1 } },
    ]);
    const deliveries = okSchema(detail).properties?.deliveries;
    expect(deliveries?.type).toBe("array");
    expect(JSON.stringify(deliveries)).toContain("attempt_log");

    const replay = operation(doc, "post", "/events/{id}/replay");
    expect(replay.requestBody?.content["application/json"].schema).toMatchObject({
      type: "object",
      properties: { force: { type: "boolean", default: false } },
      additionalProperties: false,
    });
    expect(replay.responses["409"]).toEqual({ $ref: "#/components/responses/Error409" });

    const bulk = operation(doc, "post", "/deliveries/retry");
    expect(bulk.requestBody?.content["application/json"].schema.properties?.limit).toMatchObject({
      maximum: 500,
      default: 100,
    });
    // Deliveries whose outcome is unknown are counted, not retried, by both.
    expect(okSchema(bulk).required).toEqual(["queued", "more", "skipped_outcome_unknown"]);
    expect(JSON.stringify(okSchema(replay))).toContain('"skipped_outcome_unknown"');

    const resume = operation(doc, "delete", "/pauses/{kind}/{name}");
    expect(resume.parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ["kind", "path", true],
      ["name", "path", true],
    ]);
    expect(resume.parameters[0]?.schema.enum).toEqual(["route", "connection"]);

    const stats = okSchema(operation(doc, "get", "/stats"));
    expect(stats.required).toEqual(
      expect.arrayContaining(["dead_letter_depth", "oldest_pending_delivery_age_ms"]),
    );
  });
});
