import { bytesToUint, uintToBytes } from "./bytes.ts";
import { RlpError } from "./errors.ts";

/** A decoded RLP item: a byte string or a list of items. */
export type RlpItem = Uint8Array | RlpItem[];

/** Nesting deeper than this is never produced by our codecs; refusing it keeps recursion bounded. */
const MAX_DEPTH = 16;

/**
 * Linear-time RLP encoding. ethers' encodeRlp concatenates arrays per child and is quadratic in a list's
 * length (a 1.6 MB block took ~3 s), too slow for hashing every proposed block.
 */
export function encodeRlpItem(item: RlpItem): Uint8Array {
  const out = new Uint8Array(encodedLength(item));
  const end = writeAt(item, out, 0);
  if (end !== out.length) throw new RlpError("RLP writer length mismatch");
  return out;
}

function payloadLength(item: RlpItem): number {
  if (item instanceof Uint8Array) return item.length;
  let n = 0;
  for (const child of item) n += encodedLength(child);
  return n;
}

function encodedLength(item: RlpItem): number {
  if (item instanceof Uint8Array && item.length === 1 && (item[0] ?? 0) < 0x80) return 1;
  const payload = payloadLength(item);
  return headerLength(payload) + payload;
}

function headerLength(payload: number): number {
  return payload <= 55 ? 1 : 1 + byteLength(payload);
}

function byteLength(n: number): number {
  let bytes = 0;
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes++;
  return bytes;
}

function writeAt(item: RlpItem, out: Uint8Array, offset: number): number {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && (item[0] ?? 0) < 0x80) {
      out[offset] = item[0] ?? 0;
      return offset + 1;
    }
    const start = writeHeader(out, offset, 0x80, item.length);
    out.set(item, start);
    return start + item.length;
  }
  // Lengths of nested lists are recomputed per level; our depth is at most ~5, so this stays linear in practice.
  let cursor = writeHeader(out, offset, 0xc0, payloadLength(item));
  for (const child of item) cursor = writeAt(child, out, cursor);
  return cursor;
}

function writeHeader(out: Uint8Array, offset: number, base: number, payload: number): number {
  if (payload <= 55) {
    out[offset] = base + payload;
    return offset + 1;
  }
  const size = byteLength(payload);
  out[offset] = base + 55 + size;
  let v = payload;
  for (let i = size; i >= 1; i--) {
    out[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
  return offset + 1 + size;
}

/**
 * Strict RLP decoding. ethers' decoder accepts non-canonical forms (a single byte < 0x80 behind a prefix,
 * long-form lengths for short payloads, leading zeros in lengths); accepting those would let one message have
 * many encodings, so this decoder rejects every one of them, and trailing bytes.
 */
export function decodeRlpStrict(data: Uint8Array): RlpItem {
  const [item, end] = decodeAt(data, 0, 0);
  if (end !== data.length) throw new RlpError(`${data.length - end} trailing bytes after RLP item`);
  return item;
}

function decodeAt(data: Uint8Array, offset: number, depth: number): [RlpItem, number] {
  if (depth > MAX_DEPTH) throw new RlpError(`RLP nesting deeper than ${MAX_DEPTH}`);
  const prefix = data[offset];
  if (prefix === undefined) throw new RlpError("unexpected end of RLP input");
  if (prefix < 0x80) return [data.subarray(offset, offset + 1), offset + 1];
  if (prefix < 0xc0) {
    const [start, length] = readLength(data, offset, prefix, 0x80);
    const bytes = data.subarray(start, start + length);
    if (length === 1 && (bytes[0] ?? 0) < 0x80)
      throw new RlpError("single byte below 0x80 must not be prefixed");
    return [bytes, start + length];
  }
  const [start, length] = readLength(data, offset, prefix, 0xc0);
  const end = start + length;
  const items: RlpItem[] = [];
  let cursor = start;
  while (cursor < end) {
    const [child, next] = decodeAt(data.subarray(0, end), cursor, depth + 1);
    items.push(child);
    cursor = next;
  }
  return [items, end];
}

/** Returns [payload start, payload length] for a string (base 0x80) or list (base 0xc0) prefix. */
function readLength(data: Uint8Array, offset: number, prefix: number, base: number): [number, number] {
  const short = prefix - base;
  if (short <= 55) {
    if (offset + 1 + short > data.length) throw new RlpError("RLP payload runs past the end of input");
    return [offset + 1, short];
  }
  const lengthOfLength = short - 55;
  const lengthBytes = data.subarray(offset + 1, offset + 1 + lengthOfLength);
  if (lengthBytes.length !== lengthOfLength) throw new RlpError("RLP length runs past the end of input");
  if (lengthBytes[0] === 0) throw new RlpError("RLP length has leading zeros");
  const length = bytesToUint(lengthBytes);
  if (length <= 55n) throw new RlpError("RLP long form used for a payload of 55 bytes or less");
  const start = offset + 1 + lengthOfLength;
  if (BigInt(start) + length > BigInt(data.length))
    throw new RlpError("RLP payload runs past the end of input");
  return [start, Number(length)];
}

// Field readers used by every codec: each names the field in its error.

export function rlpList(item: RlpItem | undefined, fields: number, what: string): RlpItem[] {
  if (!Array.isArray(item)) throw new RlpError(`${what}: expected a list`);
  if (item.length !== fields) throw new RlpError(`${what}: expected ${fields} fields, got ${item.length}`);
  return item;
}

export function rlpBytes(item: RlpItem | undefined, what: string, exactLength?: number): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new RlpError(`${what}: expected a byte string`);
  if (exactLength !== undefined && item.length !== exactLength) {
    throw new RlpError(`${what}: expected ${exactLength} bytes, got ${item.length}`);
  }
  return item;
}

/** Reads a canonical unsigned integer: no leading zero bytes, at most maxBytes long. */
export function rlpUint(item: RlpItem | undefined, what: string, maxBytes = 32): bigint {
  const bytes = rlpBytes(item, what);
  if (bytes.length > maxBytes) throw new RlpError(`${what}: integer longer than ${maxBytes} bytes`);
  if (bytes[0] === 0) throw new RlpError(`${what}: integer has leading zeros`);
  return bytesToUint(bytes);
}

/** Reads a canonical integer that must fit a JS safe integer (heights, rounds, counts). */
export function rlpSafeInt(item: RlpItem | undefined, what: string): number {
  const value = rlpUint(item, what, 7);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RlpError(`${what}: integer too large`);
  return Number(value);
}

export function rlpUintItem(value: bigint | number): Uint8Array {
  return uintToBytes(value);
}
