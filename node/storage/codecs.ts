import { bytesToHex, decodeRlpStrict, encodeRlpItem, type Hex, RlpError, rlpList } from "../crypto/index.ts";
import { hashFromRlp, hashToRlp, safeIntFromRlp, safeIntToRlp } from "../types/index.ts";

/** Bytes <-> value. Both directions throw on bad input; Repository turns that into StorageError. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

const MAX_UINT64 = 2n ** 64n - 1n;

/** A fixed-width big-endian unsigned integer, so byte order equals numeric order in LevelDB. */
export function writeUint64(value: number | bigint, out: Uint8Array, offset: number, what: string): void {
  const v = BigInt(value);
  if ((typeof value === "number" && !Number.isSafeInteger(value)) || v < 0n || v > MAX_UINT64) {
    throw new RlpError(`${what}: expected a non-negative integer, got ${String(value)}`);
  }
  new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(offset, v);
}

export function readSafeUint64(bytes: Uint8Array, offset: number, what: string): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RlpError(`${what}: ${v} is not a safe integer`);
  return Number(v);
}

function checkLength(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length !== length) throw new RlpError(`${what}: expected ${length} bytes, got ${bytes.length}`);
}

/** Heights as 8-byte big-endian keys. */
export const heightCodec: Codec<number> = {
  encode(height) {
    const out = new Uint8Array(8);
    writeUint64(height, out, 0, "height");
    return out;
  },
  decode(bytes) {
    checkLength(bytes, 8, "height");
    return readSafeUint64(bytes, 0, "height");
  },
};

/** A 32-byte hash as its raw bytes (lowercase hex on our side). */
export const hashCodec: Codec<Hex> = {
  encode: (hash) => hashToRlp(hash, "hash"),
  decode(bytes) {
    checkLength(bytes, 32, "hash");
    return bytesToHex(bytes);
  },
};

/** Opaque bytes stored as they are; copies so a caller never aliases the database's buffers. */
export const bytesCodec: Codec<Uint8Array> = {
  encode: (bytes) => {
    if (!(bytes instanceof Uint8Array)) throw new RlpError("expected bytes");
    return bytes;
  },
  decode: (bytes) => new Uint8Array(bytes),
};

/** ASCII names of meta singletons. */
export const nameCodec: Codec<string> = {
  encode: (name) => new TextEncoder().encode(name),
  decode: (bytes) => new TextDecoder().decode(bytes),
};

export interface BlockRef {
  height: number;
  hash: Hex;
}

/** RLP [height, hash]: the head pointer. */
export const blockRefCodec: Codec<BlockRef> = {
  encode: (ref) => encodeRlpItem([safeIntToRlp(ref.height, "head.height"), hashToRlp(ref.hash, "head.hash")]),
  decode(bytes) {
    const [height, hash] = rlpList(decodeRlpStrict(bytes), 2, "head");
    return { height: safeIntFromRlp(height, "head.height"), hash: hashFromRlp(hash, "head.hash") };
  },
};

export interface TxLocation {
  height: number;
  index: number;
}

/** RLP [height, index]. */
export const txLocationCodec: Codec<TxLocation> = {
  encode: (loc) =>
    encodeRlpItem([
      safeIntToRlp(loc.height, "txLocation.height"),
      safeIntToRlp(loc.index, "txLocation.index"),
    ]),
  decode(bytes) {
    const [height, index] = rlpList(decodeRlpStrict(bytes), 2, "txLocation");
    return {
      height: safeIntFromRlp(height, "txLocation.height"),
      index: safeIntFromRlp(index, "txLocation.index"),
    };
  },
};
