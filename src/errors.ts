import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Base of every error the bridge answers with. Each failure family is a subclass with a stable `code`;
 * `message` is safe to show to the caller (it never contains secrets or payload data).
 */
export abstract class BridgeError extends Error {
  abstract readonly status: ContentfulStatusCode;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
  toJSON() {
    return { error: { code: this.code, message: this.message } };
  }
}

/** The request names something that does not exist (route, event, delivery). */
export class NotFoundError extends BridgeError {
  readonly status = 404;
}

/** The admin API was called without the operator's bearer token, or with a wrong one. */
export class UnauthorizedError extends BridgeError {
  readonly status = 401;
  constructor() {
    super("unauthorized", "Send the admin token as `Authorization: Bearer <token>`.");
  }
}

/** The resource exists but its state forbids the operation (e.g. retrying a delivery that succeeded). */
export class ConflictError extends BridgeError {
  readonly status = 409;
}

/** Too many failed admin-token attempts from this client: it must wait `retryAfterSeconds`. */
export class TooManyAttemptsError extends BridgeError {
  readonly status = 429;
  constructor(readonly retryAfterSeconds: number) {
    super(
      "too_many_attempts",
      `Too many failed attempts with the admin token from this client; retry in ${retryAfterSeconds} s.`,
    );
  }
}

/** Wrong HTTP method for an existing resource. */
export class MethodNotAllowedError extends BridgeError {
  readonly status = 405;
  constructor(readonly allow: string) {
    super("method_not_allowed", `Use ${allow} on this URL.`);
  }
}

export type VerificationErrorCode =
  | "signature_missing"
  | "signature_invalid"
  | "timestamp_missing"
  | "timestamp_invalid"
  | "timestamp_expired"
  | "timestamp_in_future"
  | "token_missing"
  | "token_invalid";

/** The delivery could not be shown to come from the vendor. Always 401. */
export class VerificationError extends BridgeError {
  readonly status = 401;
  declare readonly code: VerificationErrorCode;
  constructor(code: VerificationErrorCode, message: string) {
    super(code, message);
  }
}

/** The body is too large, of the wrong type, or not usable. */
export class PayloadError extends BridgeError {
  constructor(
    code:
      | "payload_too_large"
      | "unsupported_media_type"
      | "invalid_json"
      | "invalid_encoding"
      | "invalid_content_length"
      | "body_incomplete"
      | "invalid_event_id",
    message: string,
    readonly status: 400 | 413 | 415 = 400,
  ) {
    super(code, message);
  }
}

/** Request input (query, path, body) that fails its schema; used by the admin API. */
export class InvalidRequestError extends BridgeError {
  readonly status = 400;
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super("invalid_request", message);
  }
  override toJSON() {
    return { error: { code: this.code, message: this.message, issues: this.issues } };
  }
}

/** The bridge's own configuration is broken (routes, recipes, missing secret). Operators must fix it. */
export class ConfigError extends BridgeError {
  readonly status = 500;
  constructor(message: string) {
    super("config_invalid", message);
  }
}

/** Storage or queue failure while accepting a delivery: nothing was acknowledged, the vendor should retry. */
export class StorageError extends BridgeError {
  readonly status = 503;
  constructor(message: string) {
    super("storage_unavailable", message);
  }
}
