import { z } from "zod";
import { defaultErrorFor } from "./membrane-error";

/**
 * A queued fault: the next `times` API requests that match are delayed and/or answered with `status`
 * instead of being handled. Faults are consumed in the order they were queued.
 */
export const FaultSpecSchema = z
  .object({
    match: z
      .object({
        method: z
          .string()
          .transform((m) => m.toUpperCase())
          .optional(),
        /** Compared with the request path and, for proxy calls, with the vendor path (`/v3/...`). */
        pathPrefix: z.string().startsWith("/").optional(),
        connectionId: z.string().optional(),
      })
      .default({}),
    status: z.int().min(200).max(599).optional(),
    times: z.int().positive().default(1),
    retryAfterSeconds: z.int().nonnegative().optional(),
    headers: z.record(z.string(), z.string()).default({}),
    delayMs: z.int().nonnegative().max(120_000).optional(),
    /** Defaults to the Membrane error body for `status`; a string is sent as text. */
    body: z.unknown().optional(),
    /** Handle the request first (its effect is applied), then answer the fault's status instead. */
    applyThenFail: z.boolean().default(false),
    /** Apply to each matching request with this probability; a request it skips uses none of `times`. */
    rate: z.number().gt(0).max(1).optional(),
    /**
     * Drop the connection: the answer's head goes out, then its body breaks off, as a connection lost mid-answer
     * (the caller cannot tell whether the call was handled; with applyThenFail it was). A vendor call inside an
     * action that drops makes the action fail with a 502, as Membrane reports a vendor it lost.
     */
    drop: z.boolean().default(false),
  })
  .refine((f) => f.status !== undefined || f.delayMs !== undefined || f.drop, {
    message: "A fault needs a status, a delayMs or drop.",
  })
  .refine((f) => !f.applyThenFail || f.status !== undefined || f.drop, {
    message: "applyThenFail needs a status to answer, or drop.",
  })
  .refine((f) => !(f.drop && f.status !== undefined), {
    message: "drop answers no status: give one or the other.",
  });
export type FaultSpec = z.infer<typeof FaultSpecSchema>;

/** What a fault can be matched against. */
export interface RequestFacts {
  method: string;
  path: string;
  vendorPath?: string;
  connectionId?: string;
}

/**
 * `vendorPathOnly`: the vendor calls an action makes match only faults that name a path prefix, so a fault
 * matched by connection alone is taken once, by the Membrane request itself.
 */
export function faultMatches(
  match: FaultSpec["match"],
  facts: RequestFacts,
  options: { vendorPathOnly?: boolean } = {},
): boolean {
  if (options.vendorPathOnly && match.pathPrefix === undefined) return false;
  if (match.method !== undefined && match.method !== facts.method) return false;
  if (match.connectionId !== undefined && match.connectionId !== facts.connectionId) return false;
  if (match.pathPrefix !== undefined) {
    const prefix = match.pathPrefix;
    if (!facts.path.startsWith(prefix) && !facts.vendorPath?.startsWith(prefix)) return false;
  }
  return true;
}

/** A connection lost mid-answer: a head, then a body that breaks off before it ends. */
export function droppedResponse(): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"records": ['));
      controller.error(new Error("emulator fault: connection dropped"));
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
}

export function faultResponse(fault: FaultSpec & { status: number }): Response {
  const headers = new Headers(fault.headers);
  if (fault.retryAfterSeconds !== undefined) headers.set("retry-after", String(fault.retryAfterSeconds));
  if (typeof fault.body === "string") return new Response(fault.body, { status: fault.status, headers });
  return Response.json(fault.body ?? defaultErrorFor(fault.status), { status: fault.status, headers });
}
