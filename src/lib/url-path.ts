/**
 * Dot segments in a URL path, as a URL parser or a server on the way would read them. The WHATWG parser (and
 * workerd's) resolves `.`, `..`, `%2e`, `.%2E`, `%2e%2e`... as path steps, reads a backslash as a slash in
 * http(s) URLs, and drops tabs and newlines anywhere. A server may also decode the path once more before
 * forwarding it (Membrane's proxy to the vendor), so `%252e` or `%2F` can become a dot or a slash there.
 */

/** ASCII tab and newlines: the URL parser removes them from anywhere in a URL before reading it. */
const DROPPED = /[\t\n\r]/g;
/** The escapes that can turn into a dot, a separator or a dropped character; `%25` for an escape escaped again. */
const ESCAPES = /%(2e|2f|5c|25|09|0a|0d)/gi;

/** `text` with those escapes decoded until none is left, as any number of decodings along the way might. */
function decodedForPath(text: string): string {
  let current = text.replace(DROPPED, "");
  for (;;) {
    const next = current
      .replace(ESCAPES, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
      .replace(DROPPED, "");
    // Each round that changes anything makes the text shorter: the loop ends.
    if (next === current) return current;
    current = next;
  }
}

/**
 * The dot segment (`.` or `..`) that `text`, a path or a part of one, holds as a URL parser would read it
 * after any decoding, or undefined. A legitimate vendor path never holds one.
 */
export function dotSegmentIn(text: string): "." | ".." | undefined {
  for (const segment of decodedForPath(text).split(/[/\\]/)) {
    if (segment === "." || segment === "..") return segment;
  }
  return undefined;
}
