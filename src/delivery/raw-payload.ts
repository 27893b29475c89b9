/**
 * The vendor's original payload as operators' expressions see it (`$raw`): parsed JSON, or the body's text when
 * it is not JSON (form-encoded), or undefined once retention removed the raw body.
 */
export function rawPayload(body: string | null | undefined): unknown {
  if (body === null || body === undefined) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
