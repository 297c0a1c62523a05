import type {
  ConsensusEngine,
  EngineAction,
  EngineEvent,
  ProposedBlock,
  TimeoutStep,
  UnsignedProposal,
  UnsignedVote,
} from "../consensus/messages.ts";
import type { ValidatorSet } from "../consensus/validatorSet.ts";
import type { Commit, DuplicateVoteEvidence, Proposal, Vote } from "../types/shapes.ts";

/** What the driver needs from the rest of the node; node.ts supplies each from the part that owns it. */
export interface DriverPorts<B> {
  /** Checks and durably records the sign-state, then signs. Throws on a conflicting request (double sign). */
  signVote(vote: UnsignedVote): Promise<Vote>;
  signProposal(proposal: UnsignedProposal): Promise<Proposal>;
  broadcastVote(vote: Vote): void;
  broadcastProposal(proposal: Proposal, block: B): void;
  buildBlock(height: number, round: number): Promise<ProposedBlock<B>>;
  /**
   * The application's verdict, which also checks the block hashes to value.blockHash. Resolves false only for a
   * block that is invalid for good; throws when it cannot tell now (storage or L1 unavailable), and is retried.
   */
  validateBlock(height: number, value: ProposedBlock<B>): Promise<boolean>;
  /** Persists and executes the decided block; returns the validator set of the next height. */
  commitBlock(value: ProposedBlock<B>, commit: Commit): Promise<ValidatorSet>;
  /** Received and own consensus messages of the current height, so a restart resumes the height. */
  recordWal(event: EngineEvent<B>): Promise<void>;
  reportEvidence(evidence: DuplicateVoteEvidence): void;
  onError(err: unknown, context: string): void;
  setTimer(ms: number, fire: () => void): () => void;
  /** A monotonic clock in ms, the one setTimer counts in. */
  now(): number;
}

export interface DriverOptions {
  /**
   * From one height's start to the next: a height that decided sooner waits out the rest after its commit, one
   * that took longer moves on after minCommitWaitMs. Counting the interval from the height's start rather than
   * from its commit keeps full blocks from stretching it by their own consensus time (Bor's period, Ethereum's
   * slot), where CometBFT's timeout_commit adds the two.
   */
  blockIntervalMs: number;
  /** The least wait after a commit, for late precommits (which the next block's last commit records). */
  minCommitWaitMs: number;
}

/** A quarter of the interval: late precommits on a LAN arrive within tens of milliseconds. */
export function driverOptions(blockIntervalMs: number): DriverOptions {
  return { blockIntervalMs, minCommitWaitMs: Math.floor(blockIntervalMs / 4) };
}

/**
 * Runs the pure engine: one event at a time, actions performed in order, asynchronous work (signing, building,
 * validating, committing) awaited without blocking other input. Serialising events through one queue keeps the
 * engine's view consistent, as CometBFT's receiveRoutine does.
 *
 * Two queues, as CometBFT keeps peer messages apart from its internal queue and timeout ticker: the node's own
 * events (timeouts, built blocks, verdicts, its own signed messages, new heights) go before messages from peers.
 * A backlog of peer messages on a busy node then cannot hold back the timeouts that move rounds on, and the
 * backlog never holds the same message twice: gossip and catch-up deliver repeats, which are dropped on arrival
 * (before the WAL and signature checks) when they are already queued or the engine already holds them.
 */
export class ConsensusDriver<B> {
  private readonly internal: QueuedEvent<B>[] = [];
  private readonly fromPeers: QueuedEvent<B>[] = [];
  /** Keys of the peer messages waiting in fromPeers. */
  private readonly queuedKeys = new Set<string>();
  private running = false;
  private stopped = false;
  private timers = new Set<() => void>();
  private idleWaiters: (() => void)[] = [];
  /** When the engine last started a height (the driver's clock). */
  private heightStartedAt = 0;

  constructor(
    private readonly engine: ConsensusEngine<B>,
    private readonly ports: DriverPorts<B>,
    private readonly opts: DriverOptions,
  ) {}

  start(height: number, validators: ValidatorSet): void {
    this.submit({ kind: "startHeight", height, validators });
  }

  /** Replays recorded events of the current height (after startHeight) before live input, without re-recording. */
  replay(events: EngineEvent<B>[]): void {
    for (const event of events) this.enqueue(this.internal, { event, record: false });
  }

  /** Input from outside the driver: peers' votes and proposals, or a new height found by block sync. */
  submit(event: EngineEvent<B>): void {
    const key = peerMessageKey(event);
    if (key === null) {
      this.enqueue(this.internal, { event, record: true });
      return;
    }
    if (this.queuedKeys.has(key) || this.engine.knows(event)) return;
    this.queuedKeys.add(key);
    this.enqueue(this.fromPeers, { event, record: true, key });
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    this.internal.length = 0;
    this.fromPeers.length = 0;
    this.queuedKeys.clear();
  }

  /** Peer messages waiting to be handled (a gauge for operators: a growing backlog means an overloaded node). */
  get backlog(): number {
    return this.fromPeers.length;
  }

  /** Resolves when every queued event has been processed (for tests and orderly shutdown). */
  idle(): Promise<void> {
    if (!this.running && this.internal.length === 0 && this.fromPeers.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(queue: QueuedEvent<B>[], item: QueuedEvent<B>): void {
    if (this.stopped) return;
    queue.push(item);
    if (!this.running) void this.drain();
  }

  private next(): QueuedEvent<B> | undefined {
    const item = this.internal.shift() ?? this.fromPeers.shift();
    if (item?.key !== undefined) this.queuedKeys.delete(item.key);
    return item;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped) {
        const item = this.next();
        if (!item) break;
        const { event, record } = item;
        try {
          // Checked again here: the engine may have received the same message from its own queue meanwhile.
          if (item.key !== undefined && this.engine.knows(event)) continue;
          if (record && isWalEvent(event)) await this.ports.recordWal(event);
          const heightBefore = this.engine.height;
          const actions = this.engine.handle(event);
          if (this.engine.height !== heightBefore) this.heightStartedAt = this.ports.now();
          for (const action of actions) await this.perform(action);
        } catch (err) {
          this.ports.onError(err, `handling ${event.kind}`);
        }
      }
    } finally {
      this.running = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async perform(action: EngineAction<B>): Promise<void> {
    switch (action.kind) {
      case "scheduleTimeout":
        return this.schedule(action.height, action.round, action.step, action.durationMs);
      case "signVote": {
        const vote = await this.ports.signVote(action.vote);
        this.ports.broadcastVote(vote);
        this.submitFront({ kind: "vote", vote });
        return;
      }
      case "signProposal": {
        const proposal = await this.ports.signProposal(action.proposal);
        this.ports.broadcastProposal(proposal, action.value.block);
        this.submitFront({ kind: "proposal", proposal, block: action.value.block });
        return;
      }
      case "buildBlock":
        // Building may take a while (executing txs); the engine's propose timeout covers a slow build.
        this.background(`building block ${action.height}/${action.round}`, async () => {
          const value = await this.ports.buildBlock(action.height, action.round);
          this.submit({ kind: "blockBuilt", height: action.height, round: action.round, value });
        });
        return;
      case "validateBlock":
        this.background(`validating block ${action.value.blockHash}`, () =>
          this.validateWithRetry(action.height, action.value),
        );
        return;
      case "commit": {
        const next = await this.ports.commitBlock(action.value, action.commit);
        const height = action.height + 1;
        const { blockIntervalMs, minCommitWaitMs } = this.opts;
        const rest = this.heightStartedAt + blockIntervalMs - this.ports.now();
        this.addTimer(Math.max(rest, minCommitWaitMs), () =>
          this.submit({ kind: "startHeight", height, validators: next }),
        );
        return;
      }
      case "evidence":
        this.ports.reportEvidence(action.evidence);
        return;
    }
  }

  /** Our own signed messages are processed before anything else. */
  private submitFront(event: EngineEvent<B>): void {
    this.internal.unshift({ event, record: true });
  }

  private schedule(height: number, round: number, step: TimeoutStep, ms: number): void {
    this.addTimer(ms, () => this.submit({ kind: "timeout", height, round, step }));
  }

  private addTimer(ms: number, fire: () => void): void {
    const cancel = this.ports.setTimer(ms, () => {
      this.timers.delete(cancel);
      fire();
    });
    this.timers.add(cancel);
  }

  /**
   * An engine caches a verdict per block for the height, so a transient failure must not become "invalid":
   * that node could then never decide a block the others committed. Until a retry succeeds the engine's propose
   * timeout makes it prevote nil, which is safe.
   */
  private async validateWithRetry(height: number, value: ProposedBlock<B>): Promise<void> {
    for (let attempt = 0; !this.stopped && this.engine.height === height; attempt++) {
      try {
        const valid = await this.ports.validateBlock(height, value);
        this.submit({ kind: "blockVerdict", blockHash: value.blockHash, valid });
        return;
      } catch (err) {
        this.ports.onError(err, `validating block ${value.blockHash} (attempt ${attempt + 1}, will retry)`);
        await new Promise<void>((resolve) => this.addTimer(Math.min(5000, 100 * 2 ** attempt), resolve));
      }
    }
  }

  private background(context: string, work: () => Promise<void>): void {
    work().catch((err: unknown) => this.ports.onError(err, context));
  }
}

interface QueuedEvent<B> {
  event: EngineEvent<B>;
  /** Whether it goes to the WAL before the engine sees it (not for events replayed from the WAL). */
  record: boolean;
  /** Set for peer messages: what identifies a repeat of it. */
  key?: string;
}

/** Identifies a vote or proposal down to its signature; null for events that do not come from peers. */
function peerMessageKey<B>(event: EngineEvent<B>): string | null {
  if (event.kind === "vote") {
    const v = event.vote;
    return `v/${v.height}/${v.round}/${v.type}/${v.validator}/${v.blockHash}/${v.signature}`;
  }
  if (event.kind === "proposal") {
    const p = event.proposal;
    return `p/${p.height}/${p.round}/${p.proposer}/${p.blockHash}/${p.signature}`;
  }
  return null;
}

function isWalEvent<B>(event: EngineEvent<B>): boolean {
  return (
    event.kind === "proposal" ||
    event.kind === "vote" ||
    event.kind === "timeout" ||
    event.kind === "blockBuilt"
  );
}
