import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../../app-env";
import { InvalidRequestError } from "../../errors";
import { describeIssues } from "../../lib/zod-issues";

/** Error statuses an operation documents besides 401 and 429 (every admin call can answer those). */
export type ErrorStatus = 400 | 404 | 409 | 503;

interface RouteDoc {
  /** OpenAPI operationId. */
  id: string;
  method: "get" | "post" | "delete";
  /** Path below /admin/api in OpenAPI form, e.g. `/events/{id}`. */
  path: string;
  summary: string;
  description?: string;
  errors?: readonly ErrorStatus[];
}

type Input<P, Q, B> = { params: P; query: Q; body: B };

/**
 * One admin operation: its schemas are the single source for validating requests, typing the handler and
 * writing openapi.json, so the three cannot drift apart. Omitted schemas give `undefined` inputs.
 */
export interface RouteSpec<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  R extends z.ZodType,
> extends RouteDoc {
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  handle: (input: Input<Out<P>, Out<Q>, Out<B>>, c: Context<AppEnv>) => Promise<z.input<R>>;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** A route with its types erased, as kept in the route table. */
export interface AdminRoute extends RouteDoc {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
  /** Validates the request against the schemas (400 on failure), runs the handler, answers JSON. */
  run: (c: Context<AppEnv>) => Promise<Response>;
}

export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType = z.ZodType,
>(spec: RouteSpec<P, Q, B, R>): AdminRoute & { response: R } {
  const { handle, ...doc } = spec;
  return {
    ...doc,
    run: async (c) => {
      // The schemas just checked these values; the cast restores the types the checks guarantee.
      const input = {
        params: validate(spec.params, c.req.param(), "path"),
        query: validate(spec.query, c.req.query(), "query string"),
        body: spec.body ? validate(spec.body, await readJson(c), "body") : undefined,
      } as Input<Out<P>, Out<Q>, Out<B>>;
      return c.json(await handle(input, c), 200);
    },
  };
}

function validate(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidRequestError(
    `Invalid ${where}.`,
    // A misspelt field is named, so the caller sees which one (zod reports them on the parent).
    describeIssues(result.error, { whole: where, unknownKeys: true }),
  );
}

/** An empty body counts as `{}`, so operations whose fields are all optional can be called bare. */
async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestError("The body is not valid JSON.");
  }
}
