import { type TypedDataDomain, TypedDataEncoder } from "ethers/hash";
import { bytesToHex, concatBytes, type Hex, hexToBytes } from "../crypto/bytes.ts";
import { CryptoError } from "../crypto/errors.ts";
import type { Address } from "../crypto/keys.ts";
import { recoverSigner, type SignatureHex, signDigest } from "../crypto/signature.ts";
import { packValidatorSetHex } from "../crypto/validatorSetHash.ts";
import { errorMessage } from "../util/errors.ts";
import type { Checkpoint } from "./shapes.ts";

/**
 * Checkpoint signing (DESIGN.md §5): EIP-712 typed data, so CheckpointManager verifies with ecrecover and
 * wallets can display what they sign. The domain binds a signature to one L1 chain and one contract.
 */

/** Where a checkpoint is verified: the L1 chain and the CheckpointManager address. */
export interface CheckpointDomainParams {
  l1ChainId: bigint | number;
  checkpointManager: Address;
}

export const CHECKPOINT_DOMAIN_NAME = "Outrigger";
export const CHECKPOINT_DOMAIN_VERSION = "1";

export const CHECKPOINT_TYPES = {
  Checkpoint: [
    { name: "sidechainId", type: "uint256" },
    { name: "number", type: "uint256" },
    { name: "startHeight", type: "uint64" },
    { name: "endHeight", type: "uint64" },
    { name: "blocksRoot", type: "bytes32" },
    { name: "withdrawalsRoot", type: "bytes32" },
    { name: "nextValidatorSetHash", type: "bytes32" },
  ],
} as const satisfies Record<string, readonly { name: string; type: string }[]>;

/** Upper bound of CheckpointManager's packed signer indices (big-endian uint16). */
export const MAX_CHECKPOINT_VALIDATORS = 0x10000;

export function checkpointDomain(params: CheckpointDomainParams): TypedDataDomain {
  return {
    name: CHECKPOINT_DOMAIN_NAME,
    version: CHECKPOINT_DOMAIN_VERSION,
    chainId: BigInt(params.l1ChainId),
    verifyingContract: params.checkpointManager,
  };
}

/** The message as ethers' encoder wants it; it range-checks every field (uint64 heights, 32-byte roots). */
export function checkpointMessage(checkpoint: Checkpoint): Record<string, bigint | Hex> {
  return {
    sidechainId: checkpoint.sidechainId,
    number: BigInt(checkpoint.number),
    startHeight: BigInt(checkpoint.startHeight),
    endHeight: BigInt(checkpoint.endHeight),
    blocksRoot: checkpoint.blocksRoot,
    withdrawalsRoot: checkpoint.withdrawalsRoot,
    nextValidatorSetHash: checkpoint.nextValidatorSetHash,
  };
}

function encodingError(err: unknown): CryptoError {
  return err instanceof CryptoError
    ? err
    : new CryptoError(`checkpoint cannot be encoded: ${errorMessage(err)}`);
}

const mutableTypes = () => ({ Checkpoint: [...CHECKPOINT_TYPES.Checkpoint] });

export function checkpointDigest(checkpoint: Checkpoint, params: CheckpointDomainParams): Uint8Array {
  try {
    return hexToBytes(
      TypedDataEncoder.hash(checkpointDomain(params), mutableTypes(), checkpointMessage(checkpoint)),
    );
  } catch (err) {
    throw encodingError(err);
  }
}

/**
 * The EIP-712 struct hash (no domain): what CheckpointManager stores for each accepted checkpoint, so a node can
 * tell whether L1 holds exactly the checkpoint it has.
 */
export function checkpointHash(checkpoint: Checkpoint): Hex {
  try {
    return TypedDataEncoder.hashStruct("Checkpoint", mutableTypes(), checkpointMessage(checkpoint)) as Hex;
  } catch (err) {
    throw encodingError(err);
  }
}

export function signCheckpoint(
  checkpoint: Checkpoint,
  params: CheckpointDomainParams,
  privateKey: Hex,
): SignatureHex {
  return signDigest(checkpointDigest(checkpoint, params), privateKey);
}

/** Recovers the signer, rejecting high-s and v outside {27, 28} exactly as CheckpointManager does. */
export function recoverCheckpointSigner(
  checkpoint: Checkpoint,
  params: CheckpointDomainParams,
  signature: SignatureHex,
): Address {
  return recoverSigner(checkpointDigest(checkpoint, params), signature);
}

/** The two packed byte strings `submitCheckpoint` takes after the validator arrays. */
export interface PackedCheckpointSignatures {
  /** Big-endian uint16 indices into the validator array, strictly ascending. */
  signerIndices: Hex;
  /** 65-byte signatures (r, s, v), one per index, in the same order. */
  signatures: Hex;
}

/**
 * Packs signatures for CheckpointManager.submitCheckpoint. `validators` is the set in its on-chain order
 * (ascending address); signatures of addresses outside it are an error, and the output is ordered by index so
 * the contract's strictly-ascending rule holds.
 */
export function packCheckpointSignatures(
  validators: readonly Address[],
  signatures: readonly { validator: Address; signature: SignatureHex }[],
): PackedCheckpointSignatures {
  if (validators.length > MAX_CHECKPOINT_VALIDATORS) {
    throw new CryptoError(`at most ${MAX_CHECKPOINT_VALIDATORS} validators fit uint16 signer indices`);
  }
  const position = new Map(validators.map((address, i) => [address, i]));
  const indexed = signatures.map(({ validator, signature }) => {
    const index = position.get(validator);
    if (index === undefined) throw new CryptoError(`${validator} is not in the validator set`);
    return { index, signature: hexToBytes(signature, 65) };
  });
  indexed.sort((a, b) => a.index - b.index);
  for (let i = 1; i < indexed.length; i++) {
    if (indexed[i]?.index === indexed[i - 1]?.index) {
      throw new CryptoError(`two signatures for validator index ${indexed[i]?.index}`);
    }
  }
  const indices = new Uint8Array(indexed.length * 2);
  indexed.forEach(({ index }, i) => {
    indices[2 * i] = index >> 8;
    indices[2 * i + 1] = index & 0xff;
  });
  return {
    signerIndices: bytesToHex(indices),
    signatures: bytesToHex(concatBytes(...indexed.map((s) => s.signature))),
  };
}

/** What submitCheckpoint needs besides the checkpoint; sets are strictly ascending by address. */
export interface CheckpointCallInput {
  /** The set that signed the checkpoint (the one L1 holds the hash of). */
  validators: readonly { address: Address; power: bigint }[];
  signerIndices: Hex;
  signatures: Hex;
  /** The set the checkpoint hands over to, or null when it keeps the signing set. */
  nextValidators: readonly { address: Address; power: bigint }[] | null;
}

/**
 * The arguments of CheckpointManager.submitCheckpoint, in order: the checkpoint, the signing set packed, the
 * packed signatures, and the next set packed (empty bytes when the set is unchanged). `message` is normally
 * checkpointMessage(checkpoint).
 */
export function submitCheckpointArgs(
  message: Record<string, bigint | Hex>,
  input: CheckpointCallInput,
): [Record<string, bigint | Hex>, Hex, Hex, Hex, Hex] {
  return [
    message,
    packValidatorSetHex(input.validators),
    input.signerIndices,
    input.signatures,
    input.nextValidators === null ? "0x" : packValidatorSetHex(input.nextValidators),
  ];
}
