import { keccak_256 } from "@noble/hashes/sha3.js";
import { errorMessage } from "../util/errors.ts";
import { bytesToHex, type Hex } from "./bytes.ts";
import { loadNativeKeccak256 } from "./nativeKeccak.ts";

/** The Keccak-256 implementation every hash of the node goes through. */
export interface Keccak256Backend {
  readonly name: "native" | "noble";
  /** What computes the hash, for the start-up log. */
  readonly description: string;
  hash(data: Uint8Array): Uint8Array;
}

export const nobleKeccak256: Keccak256Backend = {
  name: "noble",
  description: "@noble/hashes (pure JS)",
  hash: keccak_256,
};

/** The native backend when its addon loads (2.5 times noble's rate on a 110-byte input here), noble otherwise. */
export function selectKeccak256Backend(
  loadNative: () => (data: Uint8Array) => Uint8Array = loadNativeKeccak256,
): Keccak256Backend {
  try {
    return { name: "native", description: "XKCP Keccak (keccak package, N-API addon)", hash: loadNative() };
  } catch (err) {
    return {
      ...nobleKeccak256,
      description: `${nobleKeccak256.description}; the native addon did not load: ${errorMessage(err)}`,
    };
  }
}

export const keccak256Backend: Keccak256Backend = selectKeccak256Backend();
const hash = keccak256Backend.hash;

export function keccak256(data: Uint8Array): Uint8Array {
  return hash(data);
}

export function keccak256Hex(data: Uint8Array): Hex {
  return bytesToHex(hash(data));
}
