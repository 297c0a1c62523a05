import type { Hex } from "../crypto/index.ts";
import { NIL_HASH, VoteType } from "../crypto/index.ts";
import type { Commit, CommitSig, Proposal, Vote } from "../types/shapes.ts";
import { verifyCommit } from "./commitVerification.ts";
import {
  type CatchUpState,
  type ConsensusEngine,
  type EngineAction,
  type EngineEvent,
  type EngineOptions,
  type ProposedBlock,
  Step,
  type TimeoutStep,
} from "./messages.ts";
import { timeoutFor } from "./timeouts.ts";
import type { ValidatorSet } from "./validatorSet.ts";
import { HeightVotes } from "./voteSet.ts";

/** Proposals further ahead than this are dropped; the proposal is re-gossiped once we reach that round. */
const PROPOSAL_ROUND_WINDOW = 4;
/** Messages of the next height kept until it starts; beyond this a flood is dropped, not stored. */
const MAX_BUFFERED_NEXT_HEIGHT = 10_000;
/** Rule evaluation reaches a fixpoint in a few passes; the bound only guards against a logic error looping. */
const MAX_RULE_PASSES = 64;

export function createEngine<B>(opts: EngineOptions): ConsensusEngine<B> {
  return new TendermintEngine<B>(opts);
}

interface RoundValue<B> {
  value: ProposedBlock<B>;
  round: number;
}

/**
 * Tendermint as in "The latest gossip on BFT consensus" (Buchman, Kwon, Milosevic), Algorithm 1. Each `upon`
 * rule is level-triggered over the stored messages and re-evaluated after every event until nothing changes,
 * so message order does not matter. Line numbers in comments refer to that algorithm.
 */
class TendermintEngine<B> implements ConsensusEngine<B> {
  height = 0;
  round = 0;
  step: Step = Step.Propose;

  private started = false;
  private validators: ValidatorSet | null = null;
  private votes = new HeightVotes(0);
  private proposals = new Map<number, { proposal: Proposal; block: B }>();
  private blocks = new Map<Hex, B>();
  /** valid(v): the application's verdict per block hash; absent while it is being checked. */
  private validity = new Map<Hex, boolean>();
  private validationRequested = new Set<Hex>();
  private locked: RoundValue<B> | null = null;
  private valid: RoundValue<B> | null = null;
  private prevoteTimeoutScheduled = new Set<number>();
  private precommitTimeoutScheduled = new Set<number>();
  private polSeen = new Set<number>();
  private buildingForRound: number | null = null;
  private certificates: Commit[] = [];
  private reportedEvidence = new Set<string>();
  private nextHeightBuffer: EngineEvent<B>[] = [];

  constructor(private readonly opts: EngineOptions) {}

  handle(event: EngineEvent<B>): EngineAction<B>[] {
    const out: EngineAction<B>[] = [];
    this.dispatch(event, out);
    this.evaluate(out);
    return out;
  }

  knows(event: EngineEvent<B>): boolean {
    if (!this.started) return false;
    if (event.kind === "vote") {
      return event.vote.height < this.height || this.votes.holds(event.vote);
    }
    if (event.kind === "proposal") {
      const { proposal } = event;
      if (proposal.height < this.height) return true;
      const held = proposal.height === this.height ? this.proposals.get(proposal.round) : undefined;
      return held !== undefined && held.proposal.signature === proposal.signature;
    }
    return false;
  }

  catchUp(): CatchUpState<B> {
    return {
      height: this.height,
      round: this.round,
      proposals: [...this.proposals.values()],
      votes: this.votes.all(),
    };
  }

  private dispatch(event: EngineEvent<B>, out: EngineAction<B>[]): void {
    switch (event.kind) {
      case "startHeight":
        this.onStartHeight(event.height, event.validators, out);
        return;
      case "proposal":
        this.onProposal(event, out);
        return;
      case "vote":
        this.onVote(event.vote, out);
        return;
      case "timeout":
        this.onTimeout(event.height, event.round, event.step, out);
        return;
      case "blockBuilt":
        this.onBlockBuilt(event.height, event.round, event.value, out);
        return;
      case "blockVerdict":
        if (this.validationRequested.has(event.blockHash)) this.validity.set(event.blockHash, event.valid);
        return;
      case "certificate":
        this.onCertificate(event, out);
        return;
    }
  }

  private get set(): ValidatorSet {
    if (!this.validators) throw new Error("engine used before startHeight");
    return this.validators;
  }

  private get isValidator(): boolean {
    return this.opts.self !== null && this.set.has(this.opts.self);
  }

  private onStartHeight(height: number, validators: ValidatorSet, out: EngineAction<B>[]): void {
    if (this.started && height <= this.height) return;
    const buffered = height === this.height + 1 ? this.nextHeightBuffer : [];
    this.started = true;
    this.height = height;
    this.validators = validators;
    this.votes = new HeightVotes(height);
    this.proposals = new Map();
    this.blocks = new Map();
    this.validity = new Map();
    this.validationRequested = new Set();
    this.locked = null;
    this.valid = null;
    this.prevoteTimeoutScheduled = new Set();
    this.precommitTimeoutScheduled = new Set();
    this.polSeen = new Set();
    this.certificates = [];
    this.reportedEvidence = new Set();
    this.nextHeightBuffer = [];
    this.startRound(0, out);
    for (const event of buffered) this.dispatch(event, out);
  }

  /** Lines 11-21. Every node schedules the propose timeout, the proposer too, in case its block never comes. */
  private startRound(round: number, out: EngineAction<B>[]): void {
    this.round = round;
    this.step = Step.Propose;
    this.buildingForRound = null;
    const self = this.opts.self;
    if (self !== null && this.isValidator && this.set.proposer(round) === self) {
      if (this.valid) {
        const { value, round: validRound } = this.valid;
        const proposal = {
          height: this.height,
          round,
          polRound: validRound,
          blockHash: value.blockHash,
          proposer: self,
        };
        out.push({ kind: "signProposal", proposal, value });
      } else {
        this.buildingForRound = round;
        out.push({ kind: "buildBlock", height: this.height, round });
      }
    }
    this.scheduleTimeout(Step.Propose, out);
  }

  private onBlockBuilt(height: number, round: number, value: ProposedBlock<B>, out: EngineAction<B>[]): void {
    const self = this.opts.self;
    if (self === null || height !== this.height || round !== this.round || this.buildingForRound !== round)
      return;
    if (this.step !== Step.Propose) return;
    this.buildingForRound = null;
    // Our own application built it, so it is valid by construction.
    this.validity.set(value.blockHash, true);
    this.validationRequested.add(value.blockHash);
    out.push({
      kind: "signProposal",
      proposal: { height, round, polRound: -1, blockHash: value.blockHash, proposer: self },
      value,
    });
  }

  private bufferNextHeight(event: EngineEvent<B>): void {
    if (this.nextHeightBuffer.length < MAX_BUFFERED_NEXT_HEIGHT) this.nextHeightBuffer.push(event);
  }

  private onProposal(event: { proposal: Proposal; block: B }, out: EngineAction<B>[]): void {
    const { proposal, block } = event;
    if (!this.started) return;
    if (proposal.height === this.height + 1) {
      this.bufferNextHeight({ kind: "proposal", ...event });
      return;
    }
    if (proposal.height !== this.height || this.step === Step.Commit) return;
    const { round, polRound } = proposal;
    if (!Number.isSafeInteger(round) || round < 0 || round > this.round + PROPOSAL_ROUND_WINDOW) return;
    if (!Number.isSafeInteger(polRound) || polRound < -1 || polRound >= round) return;
    if (this.proposals.has(round)) return;
    if (this.set.proposer(round) !== proposal.proposer) return;
    if (this.opts.verifier.proposalSigner(this.opts.chainId, proposal) !== proposal.proposer) return;
    this.proposals.set(round, event);
    this.blocks.set(proposal.blockHash, block);
    this.requestValidation({ blockHash: proposal.blockHash, block }, round, out);
  }

  private onVote(vote: Vote, out: EngineAction<B>[]): void {
    if (!this.started) return;
    if (vote.height === this.height + 1) {
      this.bufferNextHeight({ kind: "vote", vote });
      return;
    }
    if (vote.height !== this.height || this.step === Step.Commit) return;
    if (vote.type !== VoteType.Prevote && vote.type !== VoteType.Precommit) return;
    if (!Number.isSafeInteger(vote.round) || vote.round < 0) return;
    const power = this.set.powerOf(vote.validator);
    if (power === 0n) return;
    // As CometBFT's vote set: a vote already counted (gossip, then catch-up or the WAL) is not verified again.
    if (this.votes.holds(vote)) return;
    if (this.opts.verifier.voteSigner(this.opts.chainId, vote) !== vote.validator) return;
    const result = this.votes.add(vote, power, this.round);
    if (result.evidence) {
      const key = `${vote.validator}/${vote.round}/${vote.type}`;
      if (!this.reportedEvidence.has(key)) {
        this.reportedEvidence.add(key);
        out.push({ kind: "evidence", evidence: result.evidence });
      }
    }
  }

  /** Lines 57-65. */
  private onTimeout(height: number, round: number, step: TimeoutStep, out: EngineAction<B>[]): void {
    if (height !== this.height || round !== this.round || this.step === Step.Commit) return;
    if (step === Step.Propose && this.step === Step.Propose) this.prevote(null, out);
    else if (step === Step.Prevote && this.step === Step.Prevote) this.precommit(null, out);
    else if (step === Step.Precommit) this.startRound(round + 1, out);
  }

  private onCertificate(event: { commit: Commit; block: B }, out: EngineAction<B>[]): void {
    const { commit, block } = event;
    if (!this.started || commit.height !== this.height || this.step === Step.Commit) return;
    if (!verifyCommit(commit, this.set, this.opts.chainId, this.opts.verifier).ok) return;
    this.certificates.push(commit);
    this.blocks.set(commit.blockHash, block);
    this.requestValidation({ blockHash: commit.blockHash, block }, commit.round, out);
  }

  private requestValidation(value: ProposedBlock<B>, round: number, out: EngineAction<B>[]): void {
    if (this.validationRequested.has(value.blockHash)) return;
    this.validationRequested.add(value.blockHash);
    out.push({ kind: "validateBlock", height: this.height, round, value });
  }

  private evaluate(out: EngineAction<B>[]): void {
    if (!this.started) return;
    for (let pass = 0; pass < MAX_RULE_PASSES; pass++) {
      if (this.step === Step.Commit || !this.applyOneRule(out)) return;
    }
    throw new Error("consensus rules did not reach a fixpoint");
  }

  /** Applies the first rule whose condition holds; returns whether the state changed. */
  private applyOneRule(out: EngineAction<B>[]): boolean {
    return (
      this.tryDecide(out) ||
      this.trySkipRound(out) ||
      this.tryPrevoteProposal(out) ||
      this.tryScheduleTimeout(VoteType.Prevote, out) ||
      this.tryPolkaForProposal(out) ||
      this.tryPrecommitNilPolka(out) ||
      this.tryScheduleTimeout(VoteType.Precommit, out)
    );
  }

  /** Lines 49-54: 2/3+ precommits for a block we have and hold valid, in any round, decide it. */
  private tryDecide(out: EngineAction<B>[]): boolean {
    for (const round of this.votes.roundNumbers()) {
      const precommits = this.votes.get(round, VoteType.Precommit);
      for (const [hash, power] of precommits?.tallies() ?? []) {
        if (hash === NIL_HASH || !this.set.hasTwoThirds(power)) continue;
        const sigs = (precommits?.votesFor(hash) ?? []).map(({ validator, signature }) => ({
          validator,
          signature,
        }));
        if (this.decideIfValid({ height: this.height, round, blockHash: hash, signatures: sigs }, out))
          return true;
      }
    }
    return this.certificates.some((commit) => this.decideIfValid(commit, out));
  }

  private decideIfValid(commit: Commit, out: EngineAction<B>[]): boolean {
    const block = this.blocks.get(commit.blockHash);
    if (block === undefined) return false;
    const value = { blockHash: commit.blockHash, block };
    const verdict = this.validity.get(commit.blockHash);
    if (verdict === undefined) {
      this.requestValidation(value, commit.round, out);
      return false;
    }
    if (!verdict) return false;
    this.step = Step.Commit;
    out.push({
      kind: "commit",
      height: this.height,
      value,
      commit: { ...commit, signatures: sortSigs(commit.signatures) },
    });
    return true;
  }

  /** Lines 55-56: f+1 of the power is already in a higher round, so at least one correct validator is. */
  private trySkipRound(out: EngineAction<B>[]): boolean {
    let target = -1;
    for (const round of this.votes.roundNumbers()) {
      if (
        round > this.round &&
        this.set.hasOneThird(this.votes.participation(round, (a) => this.set.powerOf(a)))
      ) {
        target = round;
      }
    }
    if (target < 0) return false;
    this.startRound(target, out);
    return true;
  }

  /** Lines 22-33: prevote the round's proposal when it is new, or re-proposed with a proof-of-lock we accept. */
  private tryPrevoteProposal(out: EngineAction<B>[]): boolean {
    if (this.step !== Step.Propose) return false;
    const entry = this.proposals.get(this.round);
    if (!entry) return false;
    const { blockHash, polRound } = entry.proposal;
    const verdict = this.validity.get(blockHash);
    if (verdict === undefined) return false;
    const lockedOnIt = this.locked?.value.blockHash === blockHash;
    if (polRound === -1) {
      this.prevote(verdict && (this.locked === null || lockedOnIt) ? blockHash : null, out);
      return true;
    }
    const polPower = this.votes.get(polRound, VoteType.Prevote)?.powerFor(blockHash) ?? 0n;
    if (!this.set.hasTwoThirds(polPower)) return false;
    const lockRound = this.locked?.round ?? -1;
    this.prevote(verdict && (lockRound <= polRound || lockedOnIt) ? blockHash : null, out);
    return true;
  }

  /** Lines 34-35 and 47-48: 2/3+ of any votes in this round start the step's timeout, once. */
  private tryScheduleTimeout(type: VoteType, out: EngineAction<B>[]): boolean {
    const prevote = type === VoteType.Prevote;
    if (prevote && this.step !== Step.Prevote) return false;
    const scheduled = prevote ? this.prevoteTimeoutScheduled : this.precommitTimeoutScheduled;
    if (scheduled.has(this.round)) return false;
    const voted = this.votes.get(this.round, type)?.totalVoted ?? 0n;
    if (!this.set.hasTwoThirds(voted)) return false;
    scheduled.add(this.round);
    this.scheduleTimeout(prevote ? Step.Prevote : Step.Precommit, out);
    return true;
  }

  /** Lines 36-43: a polka for this round's valid proposal locks (if still prevoting) and sets validValue. */
  private tryPolkaForProposal(out: EngineAction<B>[]): boolean {
    if (this.step !== Step.Prevote && this.step !== Step.Precommit) return false;
    if (this.polSeen.has(this.round)) return false;
    const entry = this.proposals.get(this.round);
    if (!entry) return false;
    const { blockHash } = entry.proposal;
    if (this.validity.get(blockHash) !== true) return false;
    const power = this.votes.get(this.round, VoteType.Prevote)?.powerFor(blockHash) ?? 0n;
    if (!this.set.hasTwoThirds(power)) return false;
    this.polSeen.add(this.round);
    const roundValue = { value: { blockHash, block: entry.block }, round: this.round };
    if (this.step === Step.Prevote) {
      this.locked = roundValue;
      this.precommit(blockHash, out);
    }
    this.valid = roundValue;
    return true;
  }

  /** Lines 44-46. */
  private tryPrecommitNilPolka(out: EngineAction<B>[]): boolean {
    if (this.step !== Step.Prevote) return false;
    const power = this.votes.get(this.round, VoteType.Prevote)?.powerFor(null) ?? 0n;
    if (!this.set.hasTwoThirds(power)) return false;
    this.precommit(null, out);
    return true;
  }

  private prevote(blockHash: Hex | null, out: EngineAction<B>[]): void {
    this.step = Step.Prevote;
    this.castVote(VoteType.Prevote, blockHash, out);
  }

  private precommit(blockHash: Hex | null, out: EngineAction<B>[]): void {
    this.step = Step.Precommit;
    this.castVote(VoteType.Precommit, blockHash, out);
  }

  private castVote(type: VoteType, blockHash: Hex | null, out: EngineAction<B>[]): void {
    const self = this.opts.self;
    if (self === null || !this.isValidator) return;
    out.push({
      kind: "signVote",
      vote: { type, height: this.height, round: this.round, blockHash, validator: self },
    });
  }

  private scheduleTimeout(step: TimeoutStep, out: EngineAction<B>[]): void {
    const durationMs = timeoutFor(this.opts.timeouts, step, this.round);
    out.push({ kind: "scheduleTimeout", height: this.height, round: this.round, step, durationMs });
  }
}

function sortSigs(signatures: CommitSig[]): CommitSig[] {
  return [...signatures].sort((a, b) => (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0));
}
