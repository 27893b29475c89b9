import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { PayloadError } from "../errors";

/**
 * 413 before reading when Content-Length is over the route's limit; for chunked bodies hono counts bytes
 * as they stream in and stops at the limit, so an unbounded body is never buffered.
 */
export const limitBody: MiddlewareHandler<AppEnv> = (c, next) => {
  const maxSize = c.var.route.max_body_bytes;
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new PayloadError(
        "payload_too_large",
        `Body exceeds this route's limit of ${maxSize} bytes.`,
        413,
      );
    },
  })(c, next);
};

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
