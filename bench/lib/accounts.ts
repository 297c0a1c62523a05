import secp256k1 from "secp256k1";
import {
  type Address,
  bytesToHex,
  type Hex,
  hexToBytes,
  keccak256,
  publicKeyToAddress,
} from "../../node/crypto/index.ts";

export interface BenchAccount {
  index: number;
  key: Uint8Array;
  address: Address;
}

const utf8 = new TextEncoder();

/** Sender i's key: keccak256 of a fixed label and i, so every run (and anyone reading the genesis) knows it. */
export function benchKey(index: number): Hex {
  return bytesToHex(keccak256(utf8.encode(`outrigger/load-bench/sender/${index}`)));
}

/**
 * Accounts [from, from + count). The native addon derives the public keys: thousands of them are needed before
 * the cluster starts, and the JS curve takes milliseconds each on a busy machine.
 */
export function benchAccounts(from: number, count: number): BenchAccount[] {
  return Array.from({ length: count }, (_, j) => {
    const index = from + j;
    const key = hexToBytes(benchKey(index));
    return { index, key, address: publicKeyToAddress(secp256k1.publicKeyCreate(key, false)) };
  });
}
