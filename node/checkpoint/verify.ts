import type { Address } from "../crypto/index.ts";
import { type CheckpointDomainParams, recoverCheckpointSigner } from "../types/checkpointSigning.ts";
import type { CertifiedCheckpoint, Checkpoint, Validator } from "../types/shapes.ts";
import { checkpointsEqual } from "./builder.ts";

/** More than 2/3 of the total, as CheckpointManager counts it. */
export function hasQuorum(signed: bigint, total: bigint): boolean {
  return signed * 3n > total * 2n;
}

/**
 * Why a certified checkpoint does not hold against the one this node computed and the epoch's set, or null if it
 * does. Signers must be strictly ascending (each counted once, as L1 requires) and every signature must recover.
 */
export function certifiedCheckpointProblem(
  certified: CertifiedCheckpoint,
  expected: Checkpoint,
  validators: readonly Validator[],
  domain: CheckpointDomainParams,
): string | null {
  if (!checkpointsEqual(certified.checkpoint, expected))
    return `checkpoint ${certified.checkpoint.number} differs from the one computed from this node's blocks`;
  const power = new Map<Address, bigint>(validators.map((v) => [v.address, v.power]));
  const total = validators.reduce((sum, v) => sum + v.power, 0n);
  let signed = 0n;
  let previous: Address | null = null;
  for (const { validator, signature } of certified.signatures) {
    if (previous !== null && validator <= previous)
      return "signatures are not sorted by strictly ascending signer";
    previous = validator;
    const p = power.get(validator);
    if (p === undefined) return `${validator} is not a validator of the checkpoint's epoch`;
    let recovered: Address;
    try {
      recovered = recoverCheckpointSigner(expected, domain, signature);
    } catch {
      return `signature of ${validator} is malformed`;
    }
    if (recovered !== validator) return `signature of ${validator} does not verify`;
    signed += p;
  }
  if (!hasQuorum(signed, total)) return `signers hold ${signed} of ${total} power, not more than 2/3`;
  return null;
}
