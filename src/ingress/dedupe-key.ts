import type { Route } from "../config/routes";
import { PayloadError } from "../errors";

const MAX_KEY_LENGTH = 256;

/** The key that makes a retried delivery recognisable, from wherever the route's vendor puts it. */
export async function dedupeKey(
  route: Route,
  headers: Headers,
  json: unknown,
  body: Uint8Array,
): Promise<string> {
  const source = route.dedupe;
  let key: unknown;
  let where: string;
  switch (source.from) {
    case "header":
      key = headers.get(source.name);
      where = `header ${source.name}`;
      break;
    case "body":
      key = source.path
        .split(".")
        .reduce<unknown>(
          (node, part) =>
            node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined,
          json,
        );
      where = `body field ${source.path}`;
      break;
    case "body-sha256": {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
      return `sha256:${[...digest].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
    }
  }
  if (typeof key === "number" && Number.isSafeInteger(key)) key = String(key);
  if (typeof key !== "string" || key.trim() === "") {
    throw new PayloadError(
      "dedupe_key_missing",
      `This route de-duplicates on ${where}, which is missing or empty.`,
    );
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new PayloadError("dedupe_key_missing", `The ${where} is longer than ${MAX_KEY_LENGTH} characters.`);
  }
  return key;
}
