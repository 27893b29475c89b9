import { z } from "zod";
import type { AdminRoute, ErrorStatus } from "./define-route";
import { errorBody } from "./schemas";

type JsonSchema = Record<string, unknown>;

const ERROR_DESCRIPTIONS: Record<ErrorStatus | 401 | 429, string> = {
  400: "Invalid path, query or body (`invalid_request`, with one line per problem in `issues`)",
  401: "Missing or wrong admin token",
  404: "Unknown id or name",
  409: "The resource's state does not allow the operation",
  429: "Too many failed admin-token attempts from this client (`too_many_attempts`); wait `Retry-After` seconds",
  503: "Storage or queue unavailable; try again",
};

/**
 * The OpenAPI 3.1 document, generated from the route table's zod schemas with zod's own JSON Schema
 * output (OpenAPI 3.1 uses JSON Schema 2020-12, zod's default target). Requests are described as the
 * caller writes them (`io: "input"`: defaults optional), answers as the bridge sends them.
 */
export function openApiDocument(routes: readonly AdminRoute[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation = {
      operationId: route.id,
      summary: route.summary,
      ...(route.description && { description: route.description }),
      parameters: [...parameters(route.params, "path"), ...parameters(route.query, "query")],
      ...(route.body && {
        requestBody: {
          // An empty body counts as `{}` (define-route.ts): it is required only where `{}` is not valid.
          required: !route.body.safeParse({}).success,
          content: { "application/json": { schema: jsonSchema(route.body, "input") } },
        },
      }),
      responses: {
        200: {
          description: "OK",
          content: { "application/json": { schema: jsonSchema(route.response, "output") } },
        },
        ...Object.fromEntries(
          [401 as const, 429 as const, ...(route.errors ?? [])].map((status) => [
            String(status),
            { $ref: `#/components/responses/Error${status}` },
          ]),
        ),
      },
    };
    paths[route.path] = { ...paths[route.path], [route.method]: operation };
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "hookbridge admin API",
      version: "1",
      description:
        "Operate the bridge: inspect events and deliveries, replay, retry, pause and resume. Every call needs " +
        "`Authorization: Bearer <ADMIN_TOKEN>`; without ADMIN_TOKEN set, the admin surface does not exist. " +
        "After too many failed attempts a client is answered 429 with Retry-After.",
    },
    servers: [{ url: serverUrl }],
    security: [{ adminToken: [] }],
    paths,
    components: {
      securitySchemes: { adminToken: { type: "http", scheme: "bearer" } },
      schemas: { Error: jsonSchema(errorBody, "output") },
      responses: Object.fromEntries(
        Object.entries(ERROR_DESCRIPTIONS).map(([status, description]) => [
          `Error${status}`,
          {
            description,
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
          },
        ]),
      ),
    },
  };
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  // Each operation's schema is self-contained; the dialect is the document's (OpenAPI 3.1 default).
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return rest;
}

/** One OpenAPI parameter per property of a path or query object schema. */
function parameters(schema: z.ZodType | undefined, location: "path" | "query"): JsonSchema[] {
  if (!schema) return [];
  const objectSchema = jsonSchema(schema, "input");
  const properties = (objectSchema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((objectSchema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: location,
      required: location === "path" || required.has(name),
      ...(typeof description === "string" && { description }),
      schema: propertySchema,
    };
  });
}
