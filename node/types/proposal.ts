import { RlpError, type RlpItem, rlpList } from "../crypto/index.ts";
import {
  addressFromRlp,
  addressToRlp,
  blockHashFromRlp,
  blockHashToRlp,
  decodeTop,
  encodeTop,
  safeIntFromRlp,
  safeIntToRlp,
  signatureFromRlp,
  signatureToRlp,
} from "./fields.ts";
import { PROPOSAL_LIMITS } from "./limits.ts";
import type { Proposal } from "./shapes.ts";

// A proof-of-lock is always from an earlier round (CometBFT's Proposal.ValidateBasic has the same rule).
function checkPolRound(polRound: number, round: number, what: string): number {
  if (!Number.isSafeInteger(polRound) || polRound < -1 || polRound >= round) {
    throw new RlpError(
      `${what}: polRound must be -1 or in [0, round), got ${String(polRound)} at round ${round}`,
    );
  }
  return polRound;
}

/**
 * RLP: [height, round, polRound + 1, blockHash, proposer, signature]. polRound is shifted by one to stay
 * unsigned (-1, no proof-of-lock, is 0), exactly as proposalDigest signs it.
 */
export function proposalToRlp(p: Proposal, what = "proposal"): RlpItem {
  const round = safeIntToRlp(p.round, `${what}.round`);
  return [
    safeIntToRlp(p.height, `${what}.height`),
    round,
    safeIntToRlp(checkPolRound(p.polRound, p.round, `${what}.polRound`) + 1, `${what}.polRound`),
    blockHashToRlp(p.blockHash, `${what}.blockHash`),
    addressToRlp(p.proposer, `${what}.proposer`),
    signatureToRlp(p.signature, `${what}.signature`),
  ];
}

export function proposalFromRlp(item: RlpItem | undefined, what = "proposal"): Proposal {
  const [height, round, polRound, blockHash, proposer, signature] = rlpList(item, 6, what);
  const r = safeIntFromRlp(round, `${what}.round`);
  return {
    height: safeIntFromRlp(height, `${what}.height`),
    round: r,
    polRound: checkPolRound(safeIntFromRlp(polRound, `${what}.polRound`) - 1, r, `${what}.polRound`),
    blockHash: blockHashFromRlp(blockHash, `${what}.blockHash`),
    proposer: addressFromRlp(proposer, `${what}.proposer`),
    signature: signatureFromRlp(signature, `${what}.signature`),
  };
}

export function encodeProposal(p: Proposal): Uint8Array {
  return encodeTop(proposalToRlp(p), PROPOSAL_LIMITS, "proposal");
}

export function decodeProposal(bytes: Uint8Array): Proposal {
  return proposalFromRlp(decodeTop(bytes, PROPOSAL_LIMITS, "proposal"));
}
