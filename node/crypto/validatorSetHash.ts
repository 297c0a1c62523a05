import { AbiCoder } from "ethers";
import type { Hex } from "./bytes.ts";
import { hexToBytes } from "./bytes.ts";
import { keccak256Hex } from "./hash.ts";
import type { Address } from "./keys.ts";

/**
 * keccak256(abi.encode(address[] validators, uint256[] powers)): the validator-set commitment shared by block
 * headers and CheckpointManager. The caller passes validators sorted by address ascending.
 */
export function hashValidatorSet(validators: readonly { address: Address; power: bigint }[]): Hex {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["address[]", "uint256[]"],
    [validators.map((v) => v.address), validators.map((v) => v.power)],
  );
  return keccak256Hex(hexToBytes(encoded));
}
