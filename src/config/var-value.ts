/**
 * A [vars] table as wrangler hands it over: an object from wrangler.toml, or a JSON string from
 * `wrangler dev --var NAME:'{...}'` (npm run soak sets its own). A string that is not JSON is passed on as it
 * is, for the schema to refuse with its own message.
 */
export function varValue(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
