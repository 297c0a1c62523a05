import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, type Hex } from "./bytes.ts";

export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

export function keccak256Hex(data: Uint8Array): Hex {
  return bytesToHex(keccak_256(data));
}
