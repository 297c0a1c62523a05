/**
 * Writes to a stream of up to this many bytes: under the muxer's and the secure channel's frame size (64 KiB),
 * so a write is still one frame of each.
 */
export const COALESCED_WRITE_BYTES = 60 * 1024;

/**
 * Joins consecutive frames into writes of up to `maxBytes` (a larger frame is written alone). Every write to a
 * stream is a muxer frame and an encrypted frame of its own, both ways: a range of 64 empty blocks, about 700
 * bytes each, was 64 of each instead of one. For sources that produce their frames at once (the servers read
 * their items in one go): a frame is held until the write fills or the source ends.
 */
export async function* coalesced(
  // it-length-prefixed's Uint8ArrayList, or plain bytes.
  frames: AsyncIterable<Uint8Array | { subarray(): Uint8Array }>,
  maxBytes = COALESCED_WRITE_BYTES,
): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let size = 0;
  for await (const frame of frames) {
    const bytes = frame instanceof Uint8Array ? frame : frame.subarray();
    if (size > 0 && size + bytes.length > maxBytes) {
      yield joined(parts, size);
      parts = [];
      size = 0;
    }
    parts.push(bytes);
    size += bytes.length;
  }
  if (size > 0) yield joined(parts, size);
}

function joined(parts: readonly Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
