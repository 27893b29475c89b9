import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { PayloadError } from "../errors";

const tooLarge = (limit: number) =>
  new PayloadError("payload_too_large", `Body exceeds this route's limit of ${limit} bytes.`, 413);

const incomplete = () =>
  new PayloadError(
    "body_incomplete",
    "The request body ended before it was complete; send it again in full.",
  );

/**
 * Reads the body into `c.var.body`, counting the bytes actually received: a Content-Length over the limit is
 * refused before reading, but the header is never trusted for the count (a sender may lie, or send none),
 * so reading stops at limit + 1 bytes and answers 413. A Content-Length that is not a whole number is a
 * malformed request (400) rather than something to guess around.
 */
export const readBodyWithinLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const limit = c.var.route.max_body_bytes;
  const declared = c.req.header("content-length");
  if (declared !== undefined) {
    if (!/^\s*\d+\s*$/.test(declared)) {
      throw new PayloadError("invalid_content_length", "Content-Length must be a whole number of bytes.");
    }
    if (Number(declared) > limit) throw tooLarge(limit);
  }
  c.set("body", await readAtMost(c.req.raw.body, limit));
  await next();
};

/**
 * The stream's bytes, or 413 as soon as more than `limit` have arrived (the rest is never read), or 400
 * `body_incomplete` when the body breaks off before its end: a Content-Length not reached, a chunked body
 * without its last chunk, a sender that resets the connection (workerd's read rejects, "Network connection
 * lost."). Nothing is stored then: the body is read before anything is written.
 */
async function readAtMost(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      // Only the runtime feeds the request's stream: any failed read is the body failing in transit.
      throw incomplete();
    });
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** JSON or nothing: `application/json` or any `+json` type. A missing Content-Type is tolerated (some senders omit it). */
export const requireJsonContentType: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = c.req.header("content-type");
  if (type !== undefined) {
    const essence = type.split(";")[0]?.trim().toLowerCase() ?? "";
    if (essence !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(essence)) {
      throw new PayloadError(
        "unsupported_media_type",
        `Content-Type must be application/json, got "${essence}".`,
        415,
      );
    }
  }
  await next();
};

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Decodes the verified bytes and parses JSON; 400 with a precise reason otherwise. */
export function parseJsonBody(bytes: Uint8Array): { text: string; json: unknown } {
  if (bytes.byteLength === 0)
    throw new PayloadError("invalid_json", "Body is empty; expected a JSON object.");
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new PayloadError("invalid_encoding", "Body is not valid UTF-8.");
  }
  try {
    return { text, json: JSON.parse(text) };
  } catch (error) {
    // V8's message quotes the body; only the position is passed on, so no payload data is echoed.
    const position = error instanceof SyntaxError ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    throw new PayloadError(
      "invalid_json",
      `Body is not valid JSON${position ? ` (error at character ${position})` : ""}.`,
    );
  }
}
