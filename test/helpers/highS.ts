import { concat, decodeRlp, encodeRlp, getBytes, toBeArray } from "ethers";
import { bytesToHex } from "../../node/crypto/index.ts";

/** secp256k1's group order. */
export const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * Re-encodes a signed legacy or type-2 transaction with s' = n - s and the other recovery id: the same signer, a
 * second encoding (the high-s twin wallets never sign).
 */
export function highSTwin(raw: Uint8Array): Uint8Array {
  const typed = raw[0] === 2;
  const fields = decodeRlp(typed ? raw.subarray(1) : raw) as string[];
  const s = BigInt(fields[fields.length - 1] as string);
  fields[fields.length - 1] = bytesToHex(toBeArray(CURVE_N - s));
  const vIndex = fields.length - 3;
  const v = fields[vIndex] === "0x" ? 0n : BigInt(fields[vIndex] as string);
  const flipped = typed ? v ^ 1n : v % 2n === 0n ? v - 1n : v + 1n;
  fields[vIndex] = flipped === 0n ? "0x" : bytesToHex(toBeArray(flipped));
  const body = getBytes(encodeRlp(fields));
  return typed ? getBytes(concat(["0x02", body])) : body;
}
