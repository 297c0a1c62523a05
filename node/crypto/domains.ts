import { type Hex, hexToBytes, uintToBytes, ZERO_HASH } from "./bytes.ts";
import { keccak256 } from "./hash.ts";
import { encodeRlpItem } from "./rlp.ts";

/**
 * Signing domains (DESIGN.md §2). Each digest starts with its own tag, so a signature made in one domain can
 * never verify in another; the chain id stops replays across networks.
 */
export const VOTE_DOMAIN = "outrigger/vote/v1";
export const PROPOSAL_DOMAIN = "outrigger/proposal/v1";

/** CometBFT's SignedMsgType numbering. */
export enum VoteType {
  Prevote = 1,
  Precommit = 2,
}

/** A nil vote signs 32 zero bytes as its block hash. */
export const NIL_HASH: Hex = ZERO_HASH;

const tag = (s: string) => new TextEncoder().encode(s);
const VOTE_TAG = tag(VOTE_DOMAIN);
const PROPOSAL_TAG = tag(PROPOSAL_DOMAIN);

export function voteDigest(v: {
  chainId: bigint | number;
  type: VoteType;
  height: number;
  round: number;
  blockHash: Hex | null;
}): Uint8Array {
  return keccak256(
    encodeRlpItem([
      VOTE_TAG,
      uintToBytes(v.chainId),
      uintToBytes(v.type),
      uintToBytes(v.height),
      uintToBytes(v.round),
      hexToBytes(v.blockHash ?? NIL_HASH, 32),
    ]),
  );
}

/** polRound is -1 when the proposal carries no proof-of-lock; it is signed as polRound + 1 to stay unsigned. */
export function proposalDigest(p: {
  chainId: bigint | number;
  height: number;
  round: number;
  polRound: number;
  blockHash: Hex;
}): Uint8Array {
  return keccak256(
    encodeRlpItem([
      PROPOSAL_TAG,
      uintToBytes(p.chainId),
      uintToBytes(p.height),
      uintToBytes(p.round),
      uintToBytes(p.polRound + 1),
      hexToBytes(p.blockHash, 32),
    ]),
  );
}
