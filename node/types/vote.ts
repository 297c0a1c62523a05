import { RlpError, type RlpItem, rlpList, VoteType } from "../crypto/index.ts";
import {
  addressFromRlp,
  addressToRlp,
  decodeTop,
  encodeTop,
  nilableBlockHashFromRlp,
  nilableBlockHashToRlp,
  safeIntFromRlp,
  safeIntToRlp,
  signatureFromRlp,
  signatureToRlp,
} from "./fields.ts";
import { VOTE_LIMITS } from "./limits.ts";
import type { Vote } from "./shapes.ts";

function checkVoteType(type: number, what: string): VoteType {
  if (type !== VoteType.Prevote && type !== VoteType.Precommit) {
    throw new RlpError(`${what}: vote type must be 1 (prevote) or 2 (precommit), got ${type}`);
  }
  return type;
}

/**
 * RLP: [type, height, round, blockHash, validator, signature]. A nil vote's blockHash is the empty byte
 * string; a non-nil one is 32 bytes and never all zeros (the digest nil signs).
 */
export function voteToRlp(v: Vote, what = "vote"): RlpItem {
  return [
    safeIntToRlp(checkVoteType(v.type, `${what}.type`), `${what}.type`),
    safeIntToRlp(v.height, `${what}.height`),
    safeIntToRlp(v.round, `${what}.round`),
    nilableBlockHashToRlp(v.blockHash, `${what}.blockHash`),
    addressToRlp(v.validator, `${what}.validator`),
    signatureToRlp(v.signature, `${what}.signature`),
  ];
}

export function voteFromRlp(item: RlpItem | undefined, what = "vote"): Vote {
  const [type, height, round, blockHash, validator, signature] = rlpList(item, 6, what);
  return {
    type: checkVoteType(safeIntFromRlp(type, `${what}.type`), `${what}.type`),
    height: safeIntFromRlp(height, `${what}.height`),
    round: safeIntFromRlp(round, `${what}.round`),
    blockHash: nilableBlockHashFromRlp(blockHash, `${what}.blockHash`),
    validator: addressFromRlp(validator, `${what}.validator`),
    signature: signatureFromRlp(signature, `${what}.signature`),
  };
}

export function encodeVote(v: Vote): Uint8Array {
  return encodeTop(voteToRlp(v), VOTE_LIMITS, "vote");
}

export function decodeVote(bytes: Uint8Array): Vote {
  return voteFromRlp(decodeTop(bytes, VOTE_LIMITS, "vote"));
}
