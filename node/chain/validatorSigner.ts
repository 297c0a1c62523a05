import type { UnsignedProposal, UnsignedVote } from "../consensus/messages.ts";
import { type Hex, proposalDigest, signDigest, voteDigest } from "../crypto/index.ts";
import { type SignStateStore, SignStep, signStepOfVote } from "../storage/index.ts";
import type { Proposal, Vote } from "../types/index.ts";

/** A full node was asked to sign or propose: a wiring bug, since its engine never asks. */
export class FullNodeCannotSignError extends Error {
  override readonly name: string = "FullNodeCannotSignError";
}

export interface ValidatorSignerOptions {
  chainId: bigint;
  /** The validator key, or null for a full node (which then refuses every signing request). */
  key: Hex | null;
}

export interface ValidatorSignerModules {
  signState: Pick<SignStateStore, "sign">;
}

/**
 * Signs this validator's votes and proposals only through the durable sign-state, so no crash or restart can
 * make it sign two different things at one height, round and step.
 */
export class ValidatorSigner {
  constructor(
    private readonly opts: ValidatorSignerOptions,
    private readonly modules: ValidatorSignerModules,
  ) {}

  async signVote(vote: UnsignedVote): Promise<Vote> {
    const key = this.requireKey();
    const digest = voteDigest({ chainId: this.opts.chainId, ...vote });
    const signature = await this.modules.signState.sign(
      {
        height: vote.height,
        round: vote.round,
        step: signStepOfVote(vote.type),
        blockHash: vote.blockHash,
        digest,
      },
      (d) => signDigest(d, key),
    );
    return { ...vote, signature };
  }

  async signProposal(proposal: UnsignedProposal): Promise<Proposal> {
    const key = this.requireKey();
    const digest = proposalDigest({ chainId: this.opts.chainId, ...proposal });
    const signature = await this.modules.signState.sign(
      {
        height: proposal.height,
        round: proposal.round,
        step: SignStep.Propose,
        blockHash: proposal.blockHash,
        digest,
      },
      (d) => signDigest(d, key),
    );
    return { ...proposal, signature };
  }

  private requireKey(): Hex {
    if (!this.opts.key) throw new FullNodeCannotSignError("a full node cannot sign");
    return this.opts.key;
  }
}
