import type { Address } from "../../node/crypto/index.ts";
import {
  type CheckpointDomainParams,
  packCheckpointSignatures,
  recoverCheckpointSigner,
} from "../../node/types/index.ts";
import type { CheckpointInfo, ValidatorsInfo } from "../../node/types/rpc/index.ts";
import { RelayerDataError } from "./errors.ts";
import type { CheckpointSubmission } from "./l1.ts";

/**
 * Builds the submitCheckpoint arguments for a certified checkpoint and the set that signed it (the set of its
 * startHeight). Only valid signatures are used, and only as many as it takes to pass 2/3 of the power, heaviest
 * first: every signature costs an ecrecover and 67 bytes of calldata on L1, and L1 needs no more than 2/3+.
 */
export function buildCheckpointSubmission(
  info: CheckpointInfo,
  set: ValidatorsInfo,
  domain: CheckpointDomainParams,
): CheckpointSubmission {
  const { checkpoint } = info;
  // CheckpointManager wants the set strictly ascending; sorting here does not trust the node's order.
  const members = [...set.validators].sort((a, b) => compareAddresses(a.address, b.address));
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
  };
}

function compareAddresses(a: Address, b: Address): number {
  return compareBigints(BigInt(a), BigInt(b));
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
