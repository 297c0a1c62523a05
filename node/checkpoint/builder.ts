import type { Hex } from "../crypto/index.ts";
import { blocksRoot, WithdrawalTree } from "../types/merkle.ts";
import type { Checkpoint, Withdrawal } from "../types/shapes.ts";
import { CheckpointError } from "./errors.ts";

/** Heights covered by checkpoint `number`: epoch `number`, i.e. [(number-1)*L+1, number*L]. */
export function checkpointRange(
  number: number,
  epochLength: number,
): { startHeight: number; endHeight: number } {
  if (!Number.isSafeInteger(number) || number < 1)
    throw new CheckpointError(`checkpoint number must be a positive integer, got ${number}`);
  return { startHeight: (number - 1) * epochLength + 1, endHeight: number * epochLength };
}

/** The checkpoint number covering `height` (its epoch). */
export function checkpointNumberOf(height: number, epochLength: number): number {
  return Math.ceil(height / epochLength);
}

export interface CheckpointInputs {
  sidechainId: bigint;
  number: number;
  epochLength: number;
  /** Hashes of every block of the range, in height order. */
  blockHashes: readonly Hex[];
  /** Withdrawals recorded by blocks of the range. */
  withdrawals: readonly Withdrawal[];
  /** Hash of the validator set in force from the first height after the range. */
  nextValidatorSetHash: Hex;
}

/** Builds a checkpoint from what a node has stored; every honest node computes the same one. */
export function buildCheckpoint(inputs: CheckpointInputs): Checkpoint {
  const { startHeight, endHeight } = checkpointRange(inputs.number, inputs.epochLength);
  if (inputs.blockHashes.length !== endHeight - startHeight + 1) {
    throw new CheckpointError(
      `checkpoint ${inputs.number} needs ${endHeight - startHeight + 1} block hashes, got ${inputs.blockHashes.length}`,
    );
  }
  return {
    sidechainId: inputs.sidechainId,
    number: inputs.number,
    startHeight,
    endHeight,
    blocksRoot: blocksRoot(inputs.blockHashes),
    withdrawalsRoot: new WithdrawalTree(inputs.withdrawals).root,
    nextValidatorSetHash: inputs.nextValidatorSetHash,
  };
}

export function checkpointsEqual(a: Checkpoint, b: Checkpoint): boolean {
  return (
    a.sidechainId === b.sidechainId &&
    a.number === b.number &&
    a.startHeight === b.startHeight &&
    a.endHeight === b.endHeight &&
    a.blocksRoot === b.blocksRoot &&
    a.withdrawalsRoot === b.withdrawalsRoot &&
    a.nextValidatorSetHash === b.nextValidatorSetHash
  );
}
