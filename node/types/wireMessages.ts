import {
  decodeRlpStrict,
  encodeRlpItem,
  RlpError,
  rlpBytes,
  rlpList,
  rlpSafeInt,
  uintToBytes,
} from "../crypto/index.ts";
import {
  type Block,
  blockFromRlp,
  blockToRlp,
  decodeVote,
  encodeVote,
  type Proposal,
  proposalFromRlp,
  proposalToRlp,
  type Vote,
} from "./index.ts";

/** A proposal travels with its block: RLP [proposal, block]. */
export function encodeProposalMessage(proposal: Proposal, block: Block): Uint8Array {
  return encodeRlpItem([proposalToRlp(proposal), blockToRlp(block)]);
}

export function decodeProposalMessage(bytes: Uint8Array): { proposal: Proposal; block: Block } {
  const [p, b] = rlpList(decodeRlpStrict(bytes), 2, "proposal message");
  return { proposal: proposalFromRlp(p), block: blockFromRlp(b) };
}

/** A catch-up item is tagged so one response can carry proposals and votes: RLP [kind, payload]. */
const CATCH_UP_PROPOSAL = 1;
const CATCH_UP_VOTE = 2;

export type CatchUpItem =
  | { kind: "proposal"; proposal: Proposal; block: Block }
  | { kind: "vote"; vote: Vote };

export function encodeCatchUpItem(item: CatchUpItem): Uint8Array {
  return item.kind === "proposal"
    ? encodeRlpItem([uintToBytes(CATCH_UP_PROPOSAL), encodeProposalMessage(item.proposal, item.block)])
    : encodeRlpItem([uintToBytes(CATCH_UP_VOTE), encodeVote(item.vote)]);
}

export function decodeCatchUpItem(bytes: Uint8Array): CatchUpItem {
  const [kind, payload] = rlpList(decodeRlpStrict(bytes), 2, "catch-up item");
  const data = rlpBytes(payload, "catch-up payload");
  switch (rlpSafeInt(kind, "catch-up kind")) {
    case CATCH_UP_PROPOSAL:
      return { kind: "proposal", ...decodeProposalMessage(data) };
    case CATCH_UP_VOTE:
      return { kind: "vote", vote: decodeVote(data) };
    default:
      throw new RlpError("catch-up item: unknown kind");
  }
}
