import type { MessageVerifier } from "../consensus/messages.ts";
import type { ValidatorSet } from "../consensus/validatorSet.ts";
import type { Address } from "../crypto/index.ts";
import type { DuplicateVoteEvidence } from "../types/index.ts";

export interface EvidenceCheckModules {
  /** The validator set in force at a committed height, null if none is stored for it. */
  setAt(height: number): Promise<ValidatorSet | null>;
  verifier: Pick<MessageVerifier, "voteSigner">;
  /** The application's rules: too old, already punished (DESIGN.md §4). */
  appProblem(validator: Address, evidenceHeight: number, blockHeight: number): string | null;
}

/** Why evidence may not go into a block; `fault`: it is false evidence, not merely late or early. */
export interface EvidenceProblem {
  reason: string;
  fault: boolean;
}

/**
 * Why a block at `blockHeight` may not carry this evidence, or null if it may: the shape (one validator, same
 * height, round and type, different hashes) was checked when it was decoded; here the offence must be from a
 * committed height, by a member of that height's set, with both signatures its own, and still punishable.
 */
export async function evidenceProblem(
  e: DuplicateVoteEvidence,
  blockHeight: number,
  chainId: bigint,
  modules: EvidenceCheckModules,
): Promise<EvidenceProblem | null> {
  const { voteA, voteB } = e;
  const { validator, height } = voteA;
  // A peer ahead of this node may hold evidence of a height it has not committed: early, not false.
  if (height >= blockHeight)
    return late(`evidence of height ${height} is not from before height ${blockHeight}`);
  // Cheapest first, the store last: a flood of stale or forged evidence costs no set lookups.
  const appReason = modules.appProblem(validator, height, blockHeight);
  if (appReason !== null) return late(appReason);
  for (const vote of [voteA, voteB]) {
    if (modules.verifier.voteSigner(chainId, vote) !== validator) {
      return falseEvidence(`a vote's signature is not ${validator}'s`);
    }
  }
  const set = await modules.setAt(height);
  if (set === null) return late(`no validator set is known for height ${height}`);
  if (!set.has(validator)) return falseEvidence(`${validator} was not a validator at height ${height}`);
  return null;
}

const late = (reason: string): EvidenceProblem => ({ reason, fault: false });
const falseEvidence = (reason: string): EvidenceProblem => ({ reason, fault: true });

/** Why a block at `blockHeight` may not carry the evidence, or null: the check with its modules bound. */
export type EvidenceCheck = (
  e: DuplicateVoteEvidence,
  blockHeight: number,
) => Promise<EvidenceProblem | null>;

export function createEvidenceCheck(chainId: bigint, modules: EvidenceCheckModules): EvidenceCheck {
  return (e, blockHeight) => evidenceProblem(e, blockHeight, chainId, modules);
}
