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
}

/**
 * Runs the pure engine: one event at a time, actions performed in order, asynchronous work (signing, building,
 * validating, committing) awaited without blocking other input. Serialising events through one queue keeps the
 * engine's view consistent, as CometBFT's receiveRoutine does.
 */
export class ConsensusDriver<B> {
  private readonly queue: EngineEvent<B>[] = [];
  private running = false;
  private stopped = false;
  private timers = new Set<() => void>();
  private commitTimeoutMs: number;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly engine: ConsensusEngine<B>,
    private readonly ports: DriverPorts<B>,
    opts: { commitTimeoutMs: number },
  ) {
    this.commitTimeoutMs = opts.commitTimeoutMs;
  }

  start(height: number, validators: ValidatorSet): void {
    this.submit({ kind: "startHeight", height, validators });
  }

  /** Replays recorded events of the current height (after startHeight) before live input, without re-recording. */
  replay(events: EngineEvent<B>[]): void {
    for (const event of events) this.enqueue(event, false);
  }

  submit(event: EngineEvent<B>): void {
    this.enqueue(event, true);
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    this.queue.length = 0;
  }

  /** Resolves when every queued event has been processed (for tests and orderly shutdown). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private readonly recordFlags = new WeakMap<EngineEvent<B>, boolean>();

  private enqueue(event: EngineEvent<B>, record: boolean): void {
    if (this.stopped) return;
    this.recordFlags.set(event, record);
    this.queue.push(event);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped) {
        const event = this.queue.shift();
        if (!event) break;
        try {
          if (this.recordFlags.get(event) && isWalEvent(event)) await this.ports.recordWal(event);
          const actions = this.engine.handle(event);
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
        // The commit timeout is the block interval: it lets late precommits and transactions arrive.
        this.addTimer(this.commitTimeoutMs, () =>
          this.submit({ kind: "startHeight", height, validators: next }),
        );
        return;
      }
      case "evidence":
        this.ports.reportEvidence(action.evidence);
        return;
    }
  }

  /** Our own signed messages are processed before anything received after them. */
  private submitFront(event: EngineEvent<B>): void {
    this.recordFlags.set(event, true);
    this.queue.unshift(event);
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

function isWalEvent<B>(event: EngineEvent<B>): boolean {
  return (
    event.kind === "proposal" ||
    event.kind === "vote" ||
    event.kind === "timeout" ||
    event.kind === "blockBuilt"
  );
}
