/** Reads at most `limit` bytes of the body as UTF-8, then cancels the stream; `truncated` if more was sent. */
export async function readCapped(
  response: Response,
  limit: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: "", truncated: false };
  // A declared length within the limit is read in one go: the runtime ends the body at that length. Not for an
  // encoded body: the length is then of the compressed bytes, and fetch hands over the decompressed ones.
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  const encoding = response.headers.get("content-encoding") ?? "identity";
  if (Number.isInteger(declared) && declared <= limit && encoding === "identity")
    return { text: await response.text(), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: decodeChunks(chunks, kept), truncated: false };
    const room = limit - kept;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      // Nothing more is read: the sender's remaining bytes are dropped with the stream.
      await reader.cancel().catch(() => undefined);
      return { text: decodeChunks(chunks, limit), truncated: true };
    }
    chunks.push(value);
    kept += value.byteLength;
  }
}

/** One UTF-8 decoding of all chunks, so a character split between two chunks stays whole. */
function decodeChunks(chunks: Uint8Array[], length: number): string {
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
