import {
  type Address,
  type Hex,
  hashValidatorSet,
  keccak256Hex,
  privateKeyToAddress,
} from "../../../node/crypto/index.ts";

/** A validator with its key; tests derive keys deterministically so every run signs the same bytes. */
export interface TestValidator {
  address: Address;
  power: bigint;
  privateKey: Hex;
}

export function testKey(label: string, index: number): Hex {
  return keccak256Hex(new TextEncoder().encode(`outrigger/test-key/${label}/${index}`));
}

/** `count` validators sorted by address, as CheckpointManager wants them. */
export function makeValidators(count: number, power: (i: number) => bigint = () => 1_000n): TestValidator[] {
  const keys = Array.from({ length: count }, (_, i) => testKey("validator", i));
  return keys
    .map((privateKey) => ({ privateKey, address: privateKeyToAddress(privateKey) }))
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1))
    .map((v, i) => ({ ...v, power: power(i) }));
}

export function setHash(validators: readonly TestValidator[]): Hex {
  return hashValidatorSet(validators);
}
