import { type Address, VoteType } from "../crypto/index.ts";
import type { Commit, Vote } from "../types/shapes.ts";
import type { MessageVerifier } from "./messages.ts";
import type { ValidatorSet } from "./validatorSet.ts";

export type CommitCheck = { ok: true; power: bigint } | { ok: false; reason: string };

/**
 * Checks a commit certificate: distinct signers of the set whose precommit signatures for (height, round,
 * blockHash) verify, holding more than 2/3 of the power. One bad signature fails the whole certificate, like
 * CheckpointManager on L1, so a certificate is either wholly valid or rejected.
 */
export function verifyCommit(
  commit: Commit,
  validators: ValidatorSet,
  chainId: bigint,
  verifier: MessageVerifier,
): CommitCheck {
  const seen = new Set<Address>();
  let power = 0n;
  for (const sig of commit.signatures) {
    if (seen.has(sig.validator)) return { ok: false, reason: `validator ${sig.validator} signed twice` };
    seen.add(sig.validator);
    const weight = validators.powerOf(sig.validator);
    if (weight === 0n) return { ok: false, reason: `${sig.validator} is not in the validator set` };
    const vote: Vote = {
      type: VoteType.Precommit,
      height: commit.height,
      round: commit.round,
      blockHash: commit.blockHash,
      ...sig,
    };
    if (verifier.voteSigner(chainId, vote) !== sig.validator) {
      return { ok: false, reason: `signature of ${sig.validator} does not verify` };
    }
    power += weight;
  }
  if (!validators.hasTwoThirds(power)) {
    return { ok: false, reason: `signed power ${power} is not more than 2/3 of ${validators.totalPower}` };
  }
  return { ok: true, power };
}
