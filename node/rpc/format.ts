import { bytesToHex, type Hex } from "../crypto/index.ts";

/** An Ethereum QUANTITY: lowercase hex without leading zeros, "0x0" for zero. */
export function quantity(value: bigint | number): Hex {
  const v = BigInt(value);
  if (v < 0n) throw new RangeError(`negative quantity ${v}`);
  return `0x${v.toString(16)}`;
}

/** Ethereum DATA: lowercase even-length hex, "0x" for no bytes. */
export function data(bytes: Uint8Array): Hex {
  return bytesToHex(bytes);
}

/** Lowercases DATA we pass through, so every response uses one spelling. */
export function lowerHex(value: string): Hex {
  return value.toLowerCase() as Hex;
}

/** Block timestamps are unix seconds at the RPC edge and unix milliseconds in our headers. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
