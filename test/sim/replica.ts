import type {
  ConsensusEngine,
  EngineAction,
  EngineEvent,
  TimeoutConfig,
} from "../../node/consensus/messages.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import type { Vote } from "../../node/types/shapes.ts";
import { blockHash, GENESIS_PARENT, type SimBlock } from "./block.ts";
import type { Observer, ReplicaId } from "./observer.ts";
import type { Scheduler } from "./scheduler.ts";
import type { SigningScheme } from "./signing.ts";
import type { ValidatorSchedule } from "./validators.ts";
import { type Decision, type ProposalMessage, proposalKey, type SimMessage, voteKey } from "./wire.ts";

/** What differs between an honest replica and a byzantine one: what it builds, accepts and says to whom. */
export interface ReplicaPolicy {
  buildBlock(height: number, round: number, parentHash: Hex): SimBlock;
  /** The application's verdict on a block whose hash already matched. */
  accepts(block: SimBlock, height: number, parentHash: Hex): boolean;
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
}

/** Heights of decisions served per block-sync reply, and how far ahead received ones are kept. */
const SYNC_BATCH = 16;

/**
 * Drives one engine exactly as the node will: feeds events, performs the returned actions in order, answers
 * buildBlock/validateBlock, signs, broadcasts and feeds its own messages back, runs timeouts on the simulated
 * clock, and after a commit waits commitMs before starting the next height. It also does what the p2p layer
 * does for consensus: drops duplicates, re-gossips the current height (gossipsub never resends, so without it
 * one dropped message could stall a height forever), and serves decided heights to peers that are behind.
 */
export class Replica {
  private height = 0;
  private started = false;
  private crashed = false;
  private readonly inbox: EngineEvent<SimBlock>[] = [];
  private pumping = false;
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
    this.startHeight(1);
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
    }
  }

  private startHeight(height: number): void {
    this.height = height;
    for (const h of this.seen.keys()) if (h < height) this.seen.delete(h);
    for (const h of this.proposalsByHeight.keys()) if (h < height) this.proposalsByHeight.delete(h);
    this.feed({ kind: "startHeight", height, validators: this.env.validators.at(height) });
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
    this.inbox.push(event);
    if (this.pumping) return;
    this.pumping = true;
    try {
      // Events caused by actions (our own signed messages, verdicts) queue behind the current batch.
      for (let i = 0; i < this.inbox.length && !this.crashed; i++) {
        const next = this.inbox[i] as EngineEvent<SimBlock>;
        let actions: EngineAction<SimBlock>[];
        try {
          actions = this.env.engine.handle(next);
        } catch (error) {
          this.crashed = true;
          this.env.observer.crashed(this.env.id, error);
          break;
        }
        for (const action of actions) this.perform(action);
      }
    } finally {
      this.inbox.length = 0;
      this.pumping = false;
    }
  }

  private perform(action: EngineAction<SimBlock>): void {
    const { env } = this;
    env.observer.trace(env.id, describeAction(action));
    switch (action.kind) {
      case "buildBlock": {
        const parent = this.parentOf(action.height);
        if (parent === undefined) {
          env.observer.anomaly(env.id, `buildBlock at height ${action.height} before committing its parent`);
          return;
        }
        const block = this.policy.buildBlock(action.height, action.round, parent);
        const value = { blockHash: blockHash(block), block };
        this.inbox.push({ kind: "blockBuilt", height: action.height, round: action.round, value });
        return;
      }
      case "validateBlock": {
        const { block, blockHash: claimed } = action.value;
        const parent = this.parentOf(action.height);
        const valid =
          parent !== undefined &&
          blockHash(block) === claimed &&
          this.policy.accepts(block, action.height, parent);
        this.inbox.push({ kind: "blockVerdict", blockHash: claimed, valid });
        return;
      }
      case "signProposal": {
        const proposal = env.scheme.signProposal(env.privateKey, action.proposal);
        const message: ProposalMessage = Object.freeze({ proposal, block: action.value.block });
        env.observer.signedProposal(env.id, proposal, message.block);
        this.policy.publishProposal(message);
        this.firstSight(proposal.height, proposalKey(proposal));
        this.rememberProposal(message);
        this.inbox.push({ kind: "proposal", proposal, block: message.block });
        return;
      }
      case "signVote": {
        const vote = env.scheme.signVote(env.privateKey, action.vote);
        env.observer.signedVote(env.id, vote);
        this.policy.publishVote(vote);
        this.firstSight(vote.height, voteKey(vote));
        this.inbox.push({ kind: "vote", vote });
        return;
      }
      case "scheduleTimeout": {
        const { height, round, step, durationMs } = action;
        env.scheduler.after(durationMs, () => {
          if (this.crashed) return;
          env.observer.trace(env.id, `timeout h${height}r${round} ${step}`);
          this.feed({ kind: "timeout", height, round, step });
        });
        return;
      }
      case "commit":
        this.onCommit(action);
        return;
      case "evidence":
        env.observer.evidence({ by: env.id, evidence: action.evidence, timeMs: env.scheduler.now });
        return;
    }
  }

  private onCommit(action: Extract<EngineAction<SimBlock>, { kind: "commit" }>): void {
    const { env } = this;
    const { height, value, commit } = action;
    env.observer.committed({
      by: env.id,
      height,
      blockHash: value.blockHash,
      block: value.block,
      commit,
      timeMs: env.scheduler.now,
    });
    if (this.committedHash.has(height)) {
      env.observer.anomaly(env.id, `second commit action for height ${height}`);
      return;
    }
    if (height !== this.height)
      env.observer.anomaly(env.id, `commit for height ${height} while at ${this.height}`);
    this.committedHash.set(height, value.blockHash);
    this.decisions.set(height, Object.freeze({ block: value.block, commit }));
    env.scheduler.after(env.timeouts.commitMs, () => {
      if (!this.crashed && this.height === height) this.startHeight(height + 1);
    });
  }
}

function describeAction(a: EngineAction<SimBlock>): string {
  switch (a.kind) {
    case "buildBlock":
      return `buildBlock h${a.height}r${a.round}`;
    case "validateBlock":
      return `validateBlock h${a.height}r${a.round} ${a.value.blockHash.slice(0, 10)}`;
    case "signProposal": {
      const p = a.proposal;
      return `signProposal h${p.height}r${p.round} pol${p.polRound} ${p.blockHash.slice(0, 10)}`;
    }
    case "signVote": {
      const v = a.vote;
      return `signVote t${v.type} h${v.height}r${v.round} ${v.blockHash?.slice(0, 10) ?? "nil"}`;
    }
    case "scheduleTimeout":
      return `scheduleTimeout h${a.height}r${a.round} ${a.step} ${a.durationMs}`;
    case "commit":
      return `commit h${a.height}r${a.commit.round} ${a.value.blockHash.slice(0, 10)} sigs=${a.commit.signatures.length}`;
    case "evidence": {
      const v = a.evidence.voteA;
      return `evidence ${v.validator.slice(0, 8)} t${v.type} h${v.height}r${v.round}`;
    }
  }
}
