import type { Route } from "../config/routes";
import { PayloadError } from "../errors";
import { toHex, utf8 } from "../lib/bytes";
import { keyedHash, sha256 } from "../lib/crypto";
import { log } from "../lib/log";
import { COUPONTOOLS_EVENT_ID, isCoupontoolsEventId } from "../vendors/coupontools/event-id";

const MAX_KEY_LENGTH = 256;

/**
 * The key that makes a retried delivery recognisable, from wherever the route's vendor puts it. A verified
 * delivery is never refused for lacking it: without the configured key the body's SHA-256 stands in (a
 * retry sends the same bytes), and an over-long key is replaced by its own SHA-256.
 *
 * Coupontools routes are the exception: the key is the body's `id` exactly as sent, and it must be a
 * canonical event id, because it is also the id the delivery engine asks Coupontools to confirm. A key
 * that differs from the confirmed id (`" evt_X"` next to `"evt_X"`) would let one genuine id vouch for
 * any number of stored deliveries.
 */
export async function dedupeKey(
  route: Route,
  headers: Headers,
  json: unknown,
  body: Uint8Array,
): Promise<string> {
  if (route.verifier.type === "coupontools") return coupontoolsEventId(json);
  const source = route.dedupe;
  if (source.from === "body-sha256") return sha256Key(body);
  const key = source.from === "header" ? headers.get(source.name) : valueAt(json, source.path);
  const text = typeof key === "number" && Number.isSafeInteger(key) ? String(key) : key;
  if (typeof text !== "string" || text.trim() === "") {
    const where = source.from === "header" ? `header ${source.name}` : `body field ${source.path}`;
    log("warn", "ingress.dedupe_key_missing", { route: route.name, where });
    return sha256Key(body);
  }
  return text.length > MAX_KEY_LENGTH ? sha256Key(utf8(text)) : text;
}

/** The Coupontools event id at the body's `id`, as is; 400 `invalid_event_id` unless it is canonical. */
function coupontoolsEventId(json: unknown): string {
  const id = valueAt(json, "id");
  if (isCoupontoolsEventId(id)) return id;
  // The value is not echoed: it is attacker-controlled and may hold control characters.
  throw new PayloadError(
    "invalid_event_id",
    id === undefined || id === null
      ? "Body field id is missing; a Coupontools delivery needs its event id (evt_...)."
      : `Body field id is not a canonical Coupontools event id (${COUPONTOOLS_EVENT_ID.source}, no surrounding whitespace or control characters).`,
  );
}

function valueAt(json: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (node, part) =>
        node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined,
      json,
    );
}

async function sha256Key(bytes: Uint8Array): Promise<string> {
  return `sha256:${toHex(await sha256(bytes))}`;
}

/**
 * HMAC-SHA256(REDACTION_SALT, key) in hex, stored with every event: an erasure may replace a key that names
 * the person, and a late retry of that delivery must still be answered as a duplicate.
 */
export function dedupeHash(salt: string, key: string): Promise<string> {
  return keyedHash(salt, key);
}
