import { ConsensusDriver, type DriverPorts, driverOptions } from "../../node/chain/consensusDriver.ts";
import type { ConsensusEngine, EngineEvent, TimeoutConfig } from "../../node/consensus/messages.ts";
import type { ValidatorSet } from "../../node/consensus/validatorSet.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import type { Commit, DuplicateVoteEvidence, Vote } from "../../node/types/shapes.ts";
import { blockHash, GENESIS_PARENT, type SimBlock } from "./block.ts";
import type { SimEvidence } from "./evidence.ts";
import type { Observer, ReplicaId } from "./observer.ts";
import type { Scheduler } from "./scheduler.ts";
import type { SigningScheme } from "./signing.ts";
import { TracedEngine } from "./tracedEngine.ts";
import type { ValidatorSchedule } from "./validators.ts";
import { type Decision, type ProposalMessage, proposalKey, type SimMessage, voteKey } from "./wire.ts";

/** What differs between an honest replica and a byzantine one: what it builds, accepts and says to whom. */
export interface ReplicaPolicy {
  buildBlock(height: number, round: number, parentHash: Hex): SimBlock | Promise<SimBlock>;
  /** The application's verdict on a block whose hash already matched. */
  accepts(block: SimBlock, height: number, parentHash: Hex): boolean | Promise<boolean>;
  publishProposal(message: ProposalMessage): void;
  publishVote(vote: Vote): void;
  /** Whether a received vote reaches the engine at all (a byzantine node may choose not to look). */
  hears?(vote: Vote): boolean;
}

export interface ReplicaEnv {
  readonly id: ReplicaId;
  readonly privateKey: Hex;
  readonly address: Address;
  readonly engine: ConsensusEngine<SimBlock>;
  readonly scheduler: Scheduler;
  readonly scheme: SigningScheme;
  readonly validators: ValidatorSchedule;
  readonly timeouts: TimeoutConfig;
  readonly gossipIntervalMs: number;
  readonly observer: Observer;
  /** The peers this replica gossips with and serves block sync to. */
  readonly peers: readonly number[];
  readonly send: (to: number, message: SimMessage) => void;
  /** An honest replica's evidence pool and checks; a byzantine replica keeps none. */
  readonly evidence?: SimEvidence;
}

/** Heights of decisions served per block-sync reply, and how far ahead received ones are kept. */
const SYNC_BATCH = 16;

/**
 * Thrown from a port for a breach of the engine's contract that the replica has already reported as an
 * anomaly; it stops that action, and the driver's onError must not report it again as a crash.
 */
class ReportedAnomaly extends Error {
  override readonly name = "ReportedAnomaly";
}

/**
 * One simulated node around the production ConsensusDriver: it gives the driver the simulated clock as its
 * timer, the simulated network as its broadcast, and the policy's blocks as build/validate/commit, so what the
 * simulation checks is the driver and engine the node runs. Around the driver it does what the p2p layer does
 * for consensus: drops duplicates, re-gossips the current height (gossipsub never resends, so without it one
 * dropped message could stall a height forever), and serves decided heights to peers that are behind. With
 * an evidence pool it is also the evidence reactor: what the engine detects or a peer sends is verified, kept,
 * gossiped (again with every catch-up round) and pruned after each commit.
 */
export class Replica {
  private height = 0;
  private started = false;
  private crashed = false;
  private readonly driver: ConsensusDriver<SimBlock>;
  /** Message keys already handed to the engine, per height; old heights are forgotten. */
  private readonly seen = new Map<number, Set<string>>();
  private readonly pendingDecisions = new Map<number, Decision>();
  /** Proposals seen per height, for a byzantine policy that wants to vote for somebody else's block. */
  private readonly proposalsByHeight = new Map<number, ProposalMessage[]>();
  private readonly committedHash = new Map<number, Hex>();
  private readonly decisions = new Map<number, Decision>();
  private readonly policy: ReplicaPolicy;

  /** The policy is made from the replica because a byzantine one consults what the replica has seen. */
  constructor(
    private readonly env: ReplicaEnv,
    makePolicy: (replica: Replica) => ReplicaPolicy,
  ) {
    this.policy = makePolicy(this);
    const engine = new TracedEngine(env.engine, env.observer, env.id, (height) =>
      this.onHeightStarted(height),
    );
    this.driver = new ConsensusDriver(engine, this.ports(), driverOptions(env.timeouts.commitMs));
  }

  get lastCommittedHeight(): number {
    return this.committedHash.size;
  }

  knownBlockHashes(height: number, round: number): Hex[] {
    const out: Hex[] = [];
    for (const m of this.proposalsByHeight.get(height) ?? []) {
      if (m.proposal.round === round && !out.includes(m.proposal.blockHash)) out.push(m.proposal.blockHash);
    }
    return out;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.env.scheduler.markAsync();
    this.driver.start(1, this.env.validators.at(1));
    const tick = (): void => {
      if (this.crashed) return;
      this.gossip();
      this.env.scheduler.after(this.env.gossipIntervalMs, tick);
    };
    this.env.scheduler.after(this.env.gossipIntervalMs, tick);
  }

  receive(from: number, message: SimMessage): void {
    if (!this.started || this.crashed) return;
    switch (message.kind) {
      case "proposal":
        this.acceptProposal(message.message);
        return;
      case "vote":
        this.acceptVote(message.vote);
        return;
      case "catchUp":
        if (message.height < this.height) this.serveDecisions(from, message.height);
        for (const p of message.proposals) this.acceptProposal(p);
        for (const v of message.votes) this.acceptVote(v);
        return;
      case "decisions":
        for (const d of message.decisions) this.acceptDecision(d);
        return;
      case "evidence":
        if (this.env.evidence === undefined) return;
        this.env.scheduler.markAsync();
        void this.takeEvidence(message.evidence);
        return;
    }
  }

  /** Verified new evidence goes into the pool and on to the peers, as gossipsub forwards an accepted message. */
  private async takeEvidence(list: readonly DuplicateVoteEvidence[]): Promise<void> {
    const evidence = this.env.evidence;
    if (evidence === undefined) return;
    const fresh: DuplicateVoteEvidence[] = [];
    try {
      for (const e of list) if (await evidence.add(e)) fresh.push(e);
    } catch (err) {
      // Evidence from anyone must never break an honest node: the checker sees this as a crash.
      this.env.observer.crashed(this.env.id, err);
      return;
    }
    if (fresh.length === 0 || this.crashed) return;
    for (const peer of this.env.peers) this.env.send(peer, { kind: "evidence", evidence: fresh });
  }

  /** Called by the engine wrapper once the driver has started a height (after the commit timeout). */
  private onHeightStarted(height: number): void {
    this.height = height;
    for (const h of this.seen.keys()) if (h < height) this.seen.delete(h);
    for (const h of this.proposalsByHeight.keys()) if (h < height) this.proposalsByHeight.delete(h);
    const decision = this.pendingDecisions.get(height);
    for (const h of this.pendingDecisions.keys()) if (h <= height) this.pendingDecisions.delete(h);
    if (decision !== undefined) this.acceptDecision(decision);
  }

  /**
   * True for a message the engine has not seen yet. The current and the next height go through (the engine
   * holds the next one until it starts it); anything else is useless to it.
   */
  private firstSight(height: number, key: string): boolean {
    if (height !== this.height && height !== this.height + 1) return false;
    let keys = this.seen.get(height);
    if (keys === undefined) {
      keys = new Set();
      this.seen.set(height, keys);
    }
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  }

  private acceptProposal(m: ProposalMessage): void {
    // The engine cannot hash an opaque block: a proposal whose block does not match its hash is garbage.
    if (blockHash(m.block) !== m.proposal.blockHash) return;
    if (!this.firstSight(m.proposal.height, proposalKey(m.proposal))) return;
    this.rememberProposal(m);
    this.feed({ kind: "proposal", proposal: m.proposal, block: m.block });
  }

  private acceptVote(v: Vote): void {
    if (this.policy.hears?.(v) === false) return;
    if (!this.firstSight(v.height, voteKey(v))) return;
    this.feed({ kind: "vote", vote: v });
  }

  private acceptDecision(d: Decision): void {
    const { height } = d.commit;
    if (height < this.height || this.committedHash.has(height)) return;
    if (height > this.height) {
      if (height < this.height + SYNC_BATCH) this.pendingDecisions.set(height, d);
      return;
    }
    if (blockHash(d.block) !== d.commit.blockHash) return;
    if (!this.firstSight(height, `c|${d.commit.round}|${d.commit.blockHash}`)) return;
    this.feed({ kind: "certificate", commit: d.commit, block: d.block });
  }

  private serveDecisions(to: number, fromHeight: number): void {
    const decisions: Decision[] = [];
    for (let h = fromHeight; h < Math.min(this.height, fromHeight + SYNC_BATCH); h++) {
      const d = this.decisions.get(h);
      if (d === undefined) break;
      decisions.push(d);
    }
    if (decisions.length > 0) this.env.send(to, { kind: "decisions", decisions });
  }

  private gossip(): void {
    if (this.height === 0) return;
    const state = this.env.engine.catchUp();
    // Sent even when empty: it announces our height, so peers that are ahead serve the decisions we lack.
    const message: SimMessage = {
      kind: "catchUp",
      height: state.height,
      round: state.round,
      proposals: state.proposals.map((p) => ({ proposal: p.proposal, block: p.block })),
      votes: state.votes,
    };
    for (const peer of this.env.peers) this.env.send(peer, message);
    // gossipsub does not resend either: evidence a peer missed (dropped, partitioned) comes with the next round.
    const held = this.env.evidence?.pool.all() ?? [];
    if (held.length > 0)
      for (const peer of this.env.peers) this.env.send(peer, { kind: "evidence", evidence: held });
  }

  private rememberProposal(m: ProposalMessage): void {
    const list = this.proposalsByHeight.get(m.proposal.height);
    if (list === undefined) this.proposalsByHeight.set(m.proposal.height, [m]);
    else list.push(m);
  }

  private parentOf(height: number): Hex | undefined {
    return height === 1 ? GENESIS_PARENT : this.committedHash.get(height - 1);
  }

  private feed(event: EngineEvent<SimBlock>): void {
    this.env.scheduler.markAsync();
    this.driver.submit(event);
  }

  /** What node.ts gives the driver, made of the simulation's signing scheme, network, clock and policy. */
  private ports(): DriverPorts<SimBlock> {
    const { env } = this;
    return {
      signVote: async (unsigned) => {
        const vote = env.scheme.signVote(env.privateKey, unsigned);
        env.observer.signedVote(env.id, vote);
        return vote;
      },
      signProposal: async (unsigned) => env.scheme.signProposal(env.privateKey, unsigned),
      broadcastVote: (vote) => {
        // Gossip hands our own message back to us; the driver has already fed it to the engine.
        this.firstSight(vote.height, voteKey(vote));
        this.policy.publishVote(vote);
      },
      broadcastProposal: (proposal, block) => {
        const message: ProposalMessage = Object.freeze({ proposal, block });
        env.observer.signedProposal(env.id, proposal, block);
        this.policy.publishProposal(message);
        this.firstSight(proposal.height, proposalKey(proposal));
        this.rememberProposal(message);
      },
      buildBlock: async (height, round) => {
        const parent = this.parentOf(height);
        if (parent === undefined)
          throw this.anomaly(`buildBlock at height ${height} before committing its parent`);
        const block = await this.policy.buildBlock(height, round, parent);
        return { blockHash: blockHash(block), block };
      },
      validateBlock: async (height, { block, blockHash: claimed }) => {
        const parent = this.parentOf(height);
        return (
          parent !== undefined &&
          blockHash(block) === claimed &&
          (await this.policy.accepts(block, height, parent))
        );
      },
      commitBlock: async (value, commit) => {
        const next = this.onCommit(value.block, value.blockHash, commit);
        // Before the next height starts, so its proposal draws from a pool that knows what this block punished.
        await env.evidence?.committed(commit.height, value.block.evidence);
        return next;
      },
      // Replicas never restart within a run, so there is nothing to replay.
      recordWal: async () => {},
      reportEvidence: (evidence) => {
        env.observer.evidence({ by: env.id, evidence, timeMs: env.scheduler.now });
        env.scheduler.markAsync();
        void this.takeEvidence([evidence]);
      },
      onError: (err) => {
        if (err instanceof ReportedAnomaly) return;
        // An honest node must never fail: record it, and stop like a process that died.
        this.crashed = true;
        this.driver.stop();
        env.observer.crashed(env.id, err);
      },
      setTimer: (ms, fire) =>
        env.scheduler.after(ms, () => {
          env.scheduler.markAsync();
          fire();
        }),
      now: () => env.scheduler.now,
    };
  }

  private anomaly(what: string): ReportedAnomaly {
    this.env.observer.anomaly(this.env.id, what);
    return new ReportedAnomaly(what);
  }

  /** Records the decision and returns the next height's validators; the driver starts it after commitMs. */
  private onCommit(block: SimBlock, hash: Hex, commit: Commit): ValidatorSet {
    const { env } = this;
    const { height } = commit;
    env.observer.committed({ by: env.id, height, blockHash: hash, block, commit, timeMs: env.scheduler.now });
    if (this.committedHash.has(height)) throw this.anomaly(`second commit action for height ${height}`);
    if (height !== this.height)
      env.observer.anomaly(env.id, `commit for height ${height} while at ${this.height}`);
    this.committedHash.set(height, hash);
    this.decisions.set(height, Object.freeze({ block, commit }));
    return env.validators.at(height + 1);
  }
}
