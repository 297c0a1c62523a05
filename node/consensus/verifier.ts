import { type Address, proposalDigest, recoverSigner, voteDigest } from "../crypto/index.ts";
import type { Proposal, Vote } from "../types/shapes.ts";
import type { MessageVerifier } from "./messages.ts";

/** The production verifier: secp256k1 recovery over the signing domains; malformed signatures verify to null. */
export const secp256k1Verifier: MessageVerifier = {
  voteSigner(chainId: bigint, vote: Vote): Address | null {
    try {
      return recoverSigner(voteDigest({ chainId, ...vote }), vote.signature);
    } catch {
      return null;
    }
  },
  proposalSigner(chainId: bigint, proposal: Proposal): Address | null {
    try {
      return recoverSigner(proposalDigest({ chainId, ...proposal }), proposal.signature);
    } catch {
      return null;
    }
  },
};
