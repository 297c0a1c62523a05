import {
  type Address,
  bytesToHex,
  decodeRlpStrict,
  encodeRlpItem,
  type Hex,
  hexToBytes,
  RlpError,
  type RlpItem,
  rlpBytes,
  rlpSafeInt,
  rlpUint,
  type SignatureHex,
  uintToBytes,
} from "../crypto/index.ts";
import type { SizeLimits } from "./limits.ts";

/**
 * Paired field writers and readers shared by every codec. Writers refuse any value the matching reader would
 * reject (or read back differently), so a successful encode always decodes to an equal value.
 */

const LOWER_HEX = /^0x[0-9a-f]*$/;

function fixedHexToRlp(value: string, length: number, what: string): Uint8Array {
  if (typeof value !== "string" || value.length !== 2 + 2 * length || !LOWER_HEX.test(value)) {
    throw new RlpError(`${what}: expected lowercase 0x-prefixed hex of ${length} bytes`);
  }
  return hexToBytes(value);
}

/** Any 32-byte hash (roots and header hashes may be zero). */
export function hashToRlp(value: Hex, what: string): Uint8Array {
  return fixedHexToRlp(value, 32, what);
}

export function hashFromRlp(item: RlpItem | undefined, what: string): Hex {
  return bytesToHex(rlpBytes(item, what, 32));
}

export function addressToRlp(value: Address, what: string): Uint8Array {
  return fixedHexToRlp(value, 20, what);
}

export function addressFromRlp(item: RlpItem | undefined, what: string): Address {
  return bytesToHex(rlpBytes(item, what, 20));
}

// Only v = 27 | 28 is ever accepted by recoverSigner and on L1; rejecting the rest here keeps one encoding.
function checkRecoveryByte(bytes: Uint8Array, what: string): Uint8Array {
  const v = bytes[64];
  if (v !== 27 && v !== 28) throw new RlpError(`${what}: signature v must be 27 or 28, got ${v}`);
  return bytes;
}

export function signatureToRlp(value: SignatureHex, what: string): Uint8Array {
  return checkRecoveryByte(fixedHexToRlp(value, 65, what), what);
}

export function signatureFromRlp(item: RlpItem | undefined, what: string): SignatureHex {
  return bytesToHex(checkRecoveryByte(rlpBytes(item, what, 65), what));
}

/**
 * The hash of a voted, proposed or committed block. 32 zero bytes is what a nil vote signs, so a block hash
 * of all zeros would sign the same digest as nil: it is refused, which also keeps nil and non-nil distinct.
 */
export function blockHashToRlp(value: Hex, what: string): Uint8Array {
  return checkNotZero(fixedHexToRlp(value, 32, what), what);
}

export function blockHashFromRlp(item: RlpItem | undefined, what: string): Hex {
  return bytesToHex(checkNotZero(rlpBytes(item, what, 32), what));
}

function checkNotZero(bytes: Uint8Array, what: string): Uint8Array {
  if (bytes.every((b) => b === 0))
    throw new RlpError(`${what}: block hash must not be all zeros (that is nil)`);
  return bytes;
}

/** A vote's block hash: nil is the empty byte string, anything else a non-zero 32-byte hash. */
export function nilableBlockHashToRlp(value: Hex | null, what: string): Uint8Array {
  return value === null ? new Uint8Array(0) : blockHashToRlp(value, what);
}

export function nilableBlockHashFromRlp(item: RlpItem | undefined, what: string): Hex | null {
  const bytes = rlpBytes(item, what);
  return bytes.length === 0 ? null : blockHashFromRlp(bytes, what);
}

/** Heights, rounds, times, counts: non-negative JS safe integers. */
export function safeIntToRlp(value: number, what: string): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RlpError(`${what}: expected a non-negative safe integer, got ${String(value)}`);
  }
  return uintToBytes(value);
}

export function safeIntFromRlp(item: RlpItem | undefined, what: string): number {
  return rlpSafeInt(item, what);
}

/** Amounts, nonces, chain ids: unsigned integers of at most maxBytes bytes (uint256 by default). */
export function uintToRlp(value: bigint, what: string, maxBytes = 32): Uint8Array {
  if (typeof value !== "bigint" || value < 0n || value >= 1n << BigInt(8 * maxBytes)) {
    throw new RlpError(`${what}: expected an unsigned integer of at most ${maxBytes} bytes`);
  }
  return uintToBytes(value);
}

export function uintFromRlp(item: RlpItem | undefined, what: string, maxBytes = 32): bigint {
  return rlpUint(item, what, maxBytes);
}

// ignoreBOM keeps a leading U+FEFF in the string, so decoding never drops bytes that re-encoding would not restore.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const UTF8_ENCODER = new TextEncoder();

/** UTF-8 text of at most maxBytes bytes; lone surrogates (not representable in UTF-8) are refused. */
export function stringToRlp(value: string, maxBytes: number, what: string): Uint8Array {
  if (typeof value !== "string") throw new RlpError(`${what}: expected a string`);
  const bytes = UTF8_ENCODER.encode(value);
  if (bytes.length > maxBytes) throw new RlpError(`${what}: longer than ${maxBytes} bytes`);
  if (UTF8.decode(bytes) !== value) throw new RlpError(`${what}: not well-formed Unicode`);
  return bytes;
}

export function stringFromRlp(item: RlpItem | undefined, maxBytes: number, what: string): string {
  const bytes = rlpBytes(item, what);
  if (bytes.length > maxBytes) throw new RlpError(`${what}: longer than ${maxBytes} bytes`);
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new RlpError(`${what}: invalid UTF-8`);
  }
}

/** A list of at most max items, each written by toRlp. */
export function listToRlp<T>(
  values: readonly T[],
  max: number,
  what: string,
  toRlp: (value: T, what: string) => RlpItem,
): RlpItem[] {
  if (!Array.isArray(values)) throw new RlpError(`${what}: expected an array`);
  if (values.length > max) throw new RlpError(`${what}: more than ${max} items (${values.length})`);
  return values.map((v, i) => toRlp(v, `${what}[${i}]`));
}

export function listFromRlp<T>(
  item: RlpItem | undefined,
  max: number,
  what: string,
  fromRlp: (item: RlpItem, what: string) => T,
): T[] {
  if (!Array.isArray(item)) throw new RlpError(`${what}: expected a list`);
  if (item.length > max) throw new RlpError(`${what}: more than ${max} items (${item.length})`);
  return item.map((child, i) => fromRlp(child, `${what}[${i}]`));
}

/** Throws unless keys are strictly ascending (equal-length lowercase hex sorts like the bytes it encodes). */
export function checkStrictlyAscending(keys: readonly string[], what: string): void {
  for (let i = 1; i < keys.length; i++) {
    const prev = keys[i - 1] ?? "";
    const cur = keys[i] ?? "";
    if (!(prev < cur)) {
      throw new RlpError(
        `${what}: must be strictly ascending (item ${i} is ${prev === cur ? "a duplicate" : "out of order"})`,
      );
    }
  }
}

/** Encodes a top-level item and refuses output its decoder would reject for size. */
export function encodeTop(item: RlpItem, limits: SizeLimits, what: string): Uint8Array {
  const bytes = encodeRlpItem(item);
  if (bytes.length > limits.maxBytes)
    throw new RlpError(`${what}: ${bytes.length} bytes, over ${limits.maxBytes}`);
  return bytes;
}

/**
 * Size-checks, then strictly decodes. The item count is bounded before decoding because the strict decoder
 * materialises every item: a hostile list of one-byte items would otherwise allocate far more than it weighs.
 */
export function decodeTop(bytes: Uint8Array, limits: SizeLimits, what: string): RlpItem {
  if (!(bytes instanceof Uint8Array)) throw new RlpError(`${what}: expected bytes`);
  if (bytes.length > limits.maxBytes)
    throw new RlpError(`${what}: ${bytes.length} bytes, over ${limits.maxBytes}`);
  if (limits.maxItems !== undefined && bytes.length > limits.maxItems)
    checkItemCount(bytes, limits.maxItems, what);
  return decodeRlpStrict(bytes);
}

/**
 * Counts items in one flat pass without allocating: strings are skipped, lists are entered. Malformed input
 * only yields a wrong count, and the strict decoder rejects it right after.
 */
export function checkItemCount(data: Uint8Array, maxItems: number, what: string): void {
  let pos = 0;
  let count = 0;
  while (pos < data.length) {
    if (++count > maxItems) throw new RlpError(`${what}: more than ${maxItems} RLP items`);
    const prefix = data[pos] ?? 0;
    if (prefix < 0x80) pos += 1;
    else if (prefix <= 0xb7) pos += 1 + prefix - 0x80;
    else if (prefix < 0xc0) {
      const size = prefix - 0xb7;
      pos += 1 + size + readLength(data, pos + 1, size);
    } else if (prefix <= 0xf7) pos += 1;
    else pos += 1 + prefix - 0xf7;
  }
}

function readLength(data: Uint8Array, start: number, size: number): number {
  let n = 0;
  for (let i = 0; i < size; i++) n = n * 256 + (data[start + i] ?? 0);
  return n;
}
