import { hexToBytes, keccak256 } from "../crypto/index.ts";
import type { Log } from "./backend.ts";
import { data } from "./format.ts";

const BLOOM_BYTES = 256;

/** Ethereum's 2048-bit log bloom (yellow paper M3:2048): three bits per address and per topic. */
export function addToBloom(bloom: Uint8Array, value: Uint8Array): void {
  const h = keccak256(value);
  for (let i = 0; i < 6; i += 2) {
    const bit = (((h[i] ?? 0) << 8) | (h[i + 1] ?? 0)) & 2047;
    const index = BLOOM_BYTES - 1 - (bit >> 3);
    bloom[index] = (bloom[index] ?? 0) | (1 << (bit & 7));
  }
}

export function logsBloom(logs: Iterable<Log>): `0x${string}` {
  const bloom = new Uint8Array(BLOOM_BYTES);
  for (const log of logs) {
    addToBloom(bloom, hexToBytes(log.address));
    for (const topic of log.topics) addToBloom(bloom, hexToBytes(topic));
  }
  return data(bloom);
}
