import { RlpError, type RlpItem, rlpList, ZERO_HASH } from "../crypto/index.ts";
import { decodeTop, encodeTop } from "./fields.ts";
import { EVIDENCE_LIMITS } from "./limits.ts";
import type { DuplicateVoteEvidence, Vote } from "./shapes.ts";
import { voteFromRlp, voteToRlp } from "./vote.ts";

/**
 * Shape rules (signatures are checked by the consumer, which knows the chain id and validator set): one
 * validator, same (height, round, type), and voteA's block hash strictly below voteB's with nil as 32 zero
 * bytes. The order gives each equivocation one encoding; strictness makes the hashes differ.
 */
function checkEvidence(e: DuplicateVoteEvidence, what: string): DuplicateVoteEvidence {
  const { voteA: a, voteB: b } = e;
  if (a.validator !== b.validator) throw new RlpError(`${what}: votes are from different validators`);
  if (a.height !== b.height || a.round !== b.round || a.type !== b.type) {
    throw new RlpError(`${what}: votes differ in height, round or type`);
  }
  if (!(sortKey(a) < sortKey(b))) {
    throw new RlpError(`${what}: voteA's block hash must sort strictly before voteB's`);
  }
  return e;
}

const sortKey = (v: Vote) => v.blockHash ?? ZERO_HASH;

/** RLP: [voteA, voteB]. */
export function evidenceToRlp(e: DuplicateVoteEvidence, what = "evidence"): RlpItem {
  const item = [voteToRlp(e.voteA, `${what}.voteA`), voteToRlp(e.voteB, `${what}.voteB`)];
  checkEvidence(e, what);
  return item;
}

export function evidenceFromRlp(item: RlpItem | undefined, what = "evidence"): DuplicateVoteEvidence {
  const [a, b] = rlpList(item, 2, what);
  return checkEvidence(
    { voteA: voteFromRlp(a, `${what}.voteA`), voteB: voteFromRlp(b, `${what}.voteB`) },
    what,
  );
}

export function encodeEvidence(e: DuplicateVoteEvidence): Uint8Array {
  return encodeTop(evidenceToRlp(e), EVIDENCE_LIMITS, "evidence");
}

export function decodeEvidence(bytes: Uint8Array): DuplicateVoteEvidence {
  return evidenceFromRlp(decodeTop(bytes, EVIDENCE_LIMITS, "evidence"));
}
