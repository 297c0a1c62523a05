import { CryptoError } from "./errors.ts";

/** Lowercase 0x-prefixed hex: the one representation of hashes, addresses and signatures in our types. */
export type Hex = `0x${string}`;

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/;

export function isHex(value: unknown, byteLength?: number): value is Hex {
  if (typeof value !== "string" || !HEX_RE.test(value)) return false;
  return byteLength === undefined || value.length === 2 + byteLength * 2;
}

export function hexToBytes(hex: string, byteLength?: number): Uint8Array {
  if (!isHex(hex, byteLength)) {
    const want = byteLength === undefined ? "" : ` of ${byteLength} bytes`;
    throw new CryptoError(`expected 0x-prefixed hex${want}, got ${JSON.stringify(hex).slice(0, 80)}`);
  }
  return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
}

export function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Big-endian, minimal-length encoding of a non-negative integer (zero is the empty string), as RLP wants. */
export function uintToBytes(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  if (v < 0n) throw new CryptoError(`negative integer ${v} cannot be encoded`);
  const out: number[] = [];
  while (v > 0n) {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return Uint8Array.from(out);
}

export function bytesToUint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export const ZERO_HASH: Hex = `0x${"00".repeat(32)}`;
