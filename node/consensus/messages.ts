import type { Address, Hex, VoteType } from "../crypto/index.ts";
import type { Commit, DuplicateVoteEvidence, Proposal, Vote } from "../types/shapes.ts";
import type { ValidatorSet } from "./validatorSet.ts";

/**
 * The engine's whole interface with the world (DESIGN.md §3): the node (or the simulator) feeds it events and
 * performs the actions it returns, in order. The engine never signs, stores, sends or waits by itself.
 */

export enum Step {
  Propose = "propose",
  Prevote = "prevote",
  Precommit = "precommit",
  /** Decided; the engine waits for startHeight. Never a timeout step. */
  Commit = "commit",
}

export type TimeoutStep = Step.Propose | Step.Prevote | Step.Precommit;

export type UnsignedVote = Omit<Vote, "signature">;
export type UnsignedProposal = Omit<Proposal, "signature">;

/** A proposed value: the engine decides on blockHash and hands the opaque block back on commit. */
export interface ProposedBlock<B> {
  blockHash: Hex;
  block: B;
}

export type EngineEvent<B> =
  /** Begin a height. The engine must be told its validator set; ours is null on non-validators. */
  | { kind: "startHeight"; height: number; validators: ValidatorSet }
  /** A signed proposal with its block (signature already verified by the caller, or checked by the verifier). */
  | { kind: "proposal"; proposal: Proposal; block: B }
  | { kind: "vote"; vote: Vote }
  | { kind: "timeout"; height: number; round: number; step: TimeoutStep }
  /**
   * A commit certificate obtained outside this height's gossip (block sync, a peer ahead of us): decides the
   * height once its precommits verify to more than 2/3 of the power and the block is valid.
   */
  | { kind: "certificate"; commit: Commit; block: B }
  /** Reply to buildBlock: the block this node proposes. */
  | { kind: "blockBuilt"; height: number; round: number; value: ProposedBlock<B> }
  /** Reply to validateBlock: whether the application accepts the block. */
  | { kind: "blockVerdict"; blockHash: Hex; valid: boolean };

export type EngineAction<B> =
  | { kind: "buildBlock"; height: number; round: number }
  | { kind: "validateBlock"; height: number; round: number; value: ProposedBlock<B> }
  /** Sign (after persisting the sign-state), broadcast, and feed the signed message back as an event. */
  | { kind: "signProposal"; proposal: UnsignedProposal; value: ProposedBlock<B> }
  | { kind: "signVote"; vote: UnsignedVote }
  | { kind: "scheduleTimeout"; height: number; round: number; step: TimeoutStep; durationMs: number }
  /** Decided. The caller persists and executes, waits out the block interval, then sends startHeight(height + 1). */
  | { kind: "commit"; height: number; value: ProposedBlock<B>; commit: Commit }
  | { kind: "evidence"; evidence: DuplicateVoteEvidence };

export interface TimeoutConfig {
  proposeMs: number;
  proposeDeltaMs: number;
  prevoteMs: number;
  prevoteDeltaMs: number;
  precommitMs: number;
  precommitDeltaMs: number;
  /** The pause after a commit before the next height starts: the block interval. */
  commitMs: number;
}

/** Recovers signers; injected so production uses secp256k1 and the simulator can memoise. */
export interface MessageVerifier {
  voteSigner(chainId: bigint, vote: Vote): Address | null;
  proposalSigner(chainId: bigint, proposal: Proposal): Address | null;
}

export interface EngineOptions {
  chainId: bigint;
  /** This node's validator address, or null for a full node that follows but never signs. */
  self: Address | null;
  timeouts: TimeoutConfig;
  verifier: MessageVerifier;
}

/** What a peer that was away needs to rejoin the current height: gossipsub does not resend old messages. */
export interface CatchUpState<B> {
  height: number;
  round: number;
  proposals: { proposal: Proposal; block: B }[];
  votes: Vote[];
}

export interface ConsensusEngine<B> {
  handle(event: EngineEvent<B>): EngineAction<B>[];
  /**
   * Whether handling this vote or proposal could change nothing: the engine already holds it, or it belongs to
   * a height already decided. Lets a driver drop repeats (gossip and catch-up deliver the same message many
   * times) before recording or verifying them.
   */
  knows(event: EngineEvent<B>): boolean;
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  catchUp(): CatchUpState<B>;
}

export type { VoteType };
