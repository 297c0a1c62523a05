import type { Hex } from "./bytes.ts";
import { bytesToHex, hexToBytes } from "./bytes.ts";
import { CryptoError } from "./errors.ts";
import { keccak256Hex } from "./hash.ts";
import type { Address } from "./keys.ts";

/** Bytes of one packed validator: its 20-byte address, then its power as a big-endian uint64. */
export const PACKED_VALIDATOR_BYTES = 28;

const UINT64_LIMIT = 1n << 64n;

/**
 * The validator set packed as CheckpointManager takes it in calldata: per validator, in the order given, the
 * address (20 bytes) and the power as a big-endian uint64 (8 bytes). Fixed-size entries make the encoding
 * injective, and it costs L1 less than half the calldata of abi.encode(address[], uint256[]).
 */
export function packValidatorSet(validators: readonly { address: Address; power: bigint }[]): Uint8Array {
  const out = new Uint8Array(validators.length * PACKED_VALIDATOR_BYTES);
  validators.forEach((v, i) => {
    if (v.power < 0n || v.power >= UINT64_LIMIT) {
      throw new CryptoError(`validator ${v.address} power ${v.power} does not fit a uint64`);
    }
    const at = i * PACKED_VALIDATOR_BYTES;
    out.set(hexToBytes(v.address, 20), at);
    new DataView(out.buffer).setBigUint64(at + 20, v.power);
  });
  return out;
}

/** packValidatorSet as 0x-hex, the form ethers takes for a `bytes` argument. */
export function packValidatorSetHex(validators: readonly { address: Address; power: bigint }[]): Hex {
  return bytesToHex(packValidatorSet(validators));
}

/**
 * keccak256(packValidatorSet(validators)): the validator-set commitment shared by block headers and
 * CheckpointManager. The caller passes validators sorted by address ascending.
 */
export function hashValidatorSet(validators: readonly { address: Address; power: bigint }[]): Hex {
  return keccak256Hex(packValidatorSet(validators));
}
