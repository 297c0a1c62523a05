import { type Address, hashValidatorSet } from "../../node/crypto/index.ts";
import {
  type CheckpointDomainParams,
  packCheckpointSignatures,
  recoverCheckpointSigner,
  type Validator,
} from "../../node/types/index.ts";
import type { CheckpointInfo, ValidatorsInfo } from "../../node/types/rpc/index.ts";
import { RelayerDataError } from "./errors.ts";
import type { CheckpointSubmission } from "./l1.ts";

/**
 * Builds the submitCheckpoint arguments for a certified checkpoint and the set that signed it (the set of its
 * startHeight). Only valid signatures are used, and only as many as it takes to pass 2/3 of the power, heaviest
 * first: every signature costs an ecrecover and 67 bytes of calldata on L1, and L1 needs no more than 2/3+.
 * A checkpoint that changes the set must carry the new set, which L1 checks against nextValidatorSetHash before
 * it hands over: `next` is the set of the height after the checkpoint, needed only then.
 */
export function buildCheckpointSubmission(
  info: CheckpointInfo,
  set: ValidatorsInfo,
  domain: CheckpointDomainParams,
  next: ValidatorsInfo | null = null,
): CheckpointSubmission {
  const { checkpoint } = info;
  // CheckpointManager wants the set strictly ascending; sorting here does not trust the node's order.
  const members = sortedSet(set);
  const power = new Map<Address, bigint>(members.map((v) => [v.address, v.power]));
  const total = members.reduce((sum, v) => sum + v.power, 0n);

  const valid = info.signatures.filter(({ validator, signature }) => {
    if (!power.has(validator)) return false;
    try {
      return recoverCheckpointSigner(checkpoint, domain, signature) === validator;
    } catch {
      return false;
    }
  });
  valid.sort(
    (a, b) =>
      compareBigints(power.get(b.validator) ?? 0n, power.get(a.validator) ?? 0n) ||
      compareAddresses(a.validator, b.validator),
  );

  const chosen: typeof valid = [];
  const seen = new Set<Address>();
  let signed = 0n;
  for (const sig of valid) {
    if (signed * 3n > total * 2n) break;
    if (seen.has(sig.validator)) continue;
    seen.add(sig.validator);
    chosen.push(sig);
    signed += power.get(sig.validator) ?? 0n;
  }
  if (signed * 3n <= total * 2n) {
    throw new RelayerDataError(
      `checkpoint ${checkpoint.number}: valid signatures carry ${signed} of ${total} power, not more than 2/3`,
    );
  }
  const validators = members.map((v) => v.address);
  return {
    checkpoint,
    validators,
    powers: members.map((v) => v.power),
    ...packCheckpointSignatures(validators, chosen),
    nextValidators: nextSetFor(checkpoint, members, next),
  };
}

/** True if the checkpoint hands over to a set other than the one that signed it. */
export function changesValidatorSet(checkpoint: CheckpointInfo["checkpoint"], set: ValidatorsInfo): boolean {
  return hashValidatorSet(sortedSet(set)) !== checkpoint.nextValidatorSetHash;
}

function nextSetFor(
  checkpoint: CheckpointInfo["checkpoint"],
  members: Validator[],
  next: ValidatorsInfo | null,
): Validator[] | null {
  if (hashValidatorSet(members) === checkpoint.nextValidatorSetHash) return null;
  if (next === null) {
    throw new RelayerDataError(
      `checkpoint ${checkpoint.number} changes the validator set, but no next set was given`,
    );
  }
  const nextMembers = sortedSet(next);
  const nextHash = hashValidatorSet(nextMembers);
  if (nextHash !== checkpoint.nextValidatorSetHash) {
    throw new RelayerDataError(
      `checkpoint ${checkpoint.number} names next set ${checkpoint.nextValidatorSetHash}, the node's set at ` +
        `height ${next.height} hashes to ${nextHash}`,
    );
  }
  return nextMembers;
}

function sortedSet(set: ValidatorsInfo): Validator[] {
  return set.validators
    .map((v) => ({ address: v.address, power: v.power }))
    .sort((a, b) => compareAddresses(a.address, b.address));
}

function compareAddresses(a: Address, b: Address): number {
  return compareBigints(BigInt(a), BigInt(b));
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
