import { bytesToHex, type Hex, keccak256 } from "../../node/crypto/index.ts";

/**
 * Validator keys come from a fixed pool (deterministic, so replays match) and each scenario draws its own
 * subset in its own order: addresses, and so proposer order, still vary from seed to seed, while each key's
 * address is derived once per process instead of once per scenario.
 */
export const KEY_POOL_SIZE = 32;

export function poolKey(index: number): Hex {
  if (!Number.isInteger(index) || index < 0 || index >= KEY_POOL_SIZE) {
    throw new RangeError(`key index ${index} outside the pool of ${KEY_POOL_SIZE}`);
  }
  // A keccak output outside the curve order is astronomically unlikely, and would throw on first use.
  return bytesToHex(keccak256(new TextEncoder().encode(`outrigger/sim-validator-key/${index}`)));
}
