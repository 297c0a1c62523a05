import {
  AppError,
  type BlockContext,
  type ConsensusApplication,
  type ExecutionResult,
  type RecoveredSigner,
  type SenderSignature,
  senderSignature,
} from "../app/index.ts";
import { verifyCommit } from "../consensus/commitVerification.ts";
import type { MessageVerifier, ProposedBlock } from "../consensus/messages.ts";
import { ValidatorSet } from "../consensus/validatorSet.ts";
import { type Address, type Hex, keccak256Hex, RlpError } from "../crypto/index.ts";
import type { ClaimVerdict } from "../deposits/index.ts";
import type { Mempool } from "../mempool/index.ts";
import type { ChainStore } from "../storage/index.ts";
import {
  type Block,
  type CertifiedCheckpoint,
  type Commit,
  computeBodyHashes,
  type DepositClaim,
  type DuplicateVoteEvidence,
  hashHeader,
  MAX_DEPOSIT_CLAIMS_PER_BLOCK,
  type Receipt,
  type Vote,
  validateBlockBody,
} from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import { ChainHaltError, InvalidBlockError } from "./errors.ts";
import { nextValidatorSet, storedValidatorSetAt } from "./validatorSets.ts";

export interface ChainOptions {
  chainId: bigint;
  genesisHash: Hex;
  /** Block 1's parent time: its time must be later. */
  genesisTime: number;
  maxClockDriftMs: number;
  maxBlockTxs: number;
  maxBlockTxBytes: number;
  /**
   * How long building a proposal may take on this node before the block is closed with what it holds: every
   * validator must receive, check and execute it within the propose timeout, so the builder keeps well inside it.
   */
  buildBudgetMs?: number;
  /**
   * The share of a proposal's transactions a validator is assumed to lack (and so to check from scratch, at this
   * node's measured check cost) when sizing a proposal against buildBudgetMs; default 0.25.
   */
  assumedUnknownShare?: number;
}

export interface ChainModules {
  store: ChainStore;
  /** The consensus-facing part only: the chain checks, builds, executes and commits; it never queries. */
  app: ConsensusApplication;
  mempool: Mempool;
  verifier: MessageVerifier;
  now: () => number;
  /** Checkpoint rules; absent when the chain has no L1 (then blocks carry no checkpoints). */
  checkpoints?: ChainCheckpoints | null;
  /** Deposit claims and their L1 check; absent when this node cannot reach L1 (then it accepts no claims). */
  deposits?: ChainDeposits | null;
  /** Double-sign evidence to propose and its checks; absent: this node proposes none and accepts none. */
  evidence?: ChainEvidence | null;
  /** A monotonic clock in ms for the build budget (default performance.now). */
  elapsed?: () => number;
  /** Lets other work run between chunks of a long block check (default: the next turn of the event loop). */
  yieldNow?: () => Promise<void>;
  /** Told why a proposed block was refused: a refusal is a nil prevote, which alone says nothing. */
  onInvalidBlock?: (height: number, blockHash: Hex, reason: string) => void;
  /**
   * Told when the chain cannot go on (a decided block it cannot store or execute, a missing commit): the node
   * stops and exits non-zero, so a supervisor restarts it, rather than running on without committing.
   */
  onHalt?: (err: ChainHaltError) => void;
  /** Told once a decided block's batch is stored, before the app and consensus move on (fault tests only). */
  afterBlockWrite?: (height: number) => void;
}

/** How long a block check decodes before it lets the event loop run (RPC, gossip, timers). */
const YIELD_AFTER_MS = 20;
const DEFAULT_UNKNOWN_SHARE = 0.25;

/** What the block pipeline needs to include and check deposit claims (DESIGN.md §5). */
export interface ChainDeposits {
  /** The consecutive claims this node holds from the next deposit nonce, in nonce order. */
  ready(max: number): DepositClaim[];
  /** Throws when L1 cannot answer now, which says nothing about the claim. */
  check(claim: DepositClaim): Promise<ClaimVerdict>;
}

/** What the block pipeline needs to include and check double-sign evidence (DESIGN.md §3, §4). */
export interface ChainEvidence {
  /** Held evidence still punishable in a block at `height`, at most one per offender. */
  toInclude(height: number): Promise<DuplicateVoteEvidence[]>;
  /** Why a block at `height` may not carry the evidence, or null if it may. */
  problem(evidence: DuplicateVoteEvidence, height: number): Promise<string | null>;
}

/** What the block pipeline needs to include and check certified checkpoints. */
export interface ChainCheckpoints {
  /** The certified checkpoint numbered `number`, if this node holds one ready for a block. */
  certified(number: number): CertifiedCheckpoint | null;
  /** Why a block may not carry `certified` as checkpoint `expectedNumber`, or null if it may. */
  includedProblem(certified: CertifiedCheckpoint, expectedNumber: number): Promise<string | null>;
}

export interface CommittedBlockInfo {
  block: Block;
  blockHash: Hex;
  commit: Commit;
  receipts: Receipt[];
  baseFee: bigint;
}

interface Head {
  height: number;
  hash: Hex;
  time: number;
}

interface Execution {
  result: ExecutionResult;
  next: ValidatorSet;
}

/** A decided block as block sync receives it: the block and the commit that decided it. */
export interface CertifiedBlock {
  block: Block;
  commit: Commit;
  /**
   * The bytes block and commit were decoded from, written as they are; each is used only while it belongs to the
   * very object being committed (a copy or a replaced commit is encoded again).
   */
  encoded?: { block: Block; blockBytes: Uint8Array; commit: Commit; commitBytes: Uint8Array };
}

/**
 * Signers block sync recovered ahead (on another thread): the signer, null for a signature that does not verify,
 * undefined for one it does not hold (the chain's own verifier, or the application, then recovers it).
 */
export interface RecoveredSigners {
  voteSigner(chainId: bigint, vote: Vote): Address | null | undefined;
  /** Transaction senders, by signing digest and signature. */
  txSigner?: RecoveredSigner;
  /** Called before the block of this height executes: the signers settle what they will hold of its senders. */
  blockDue?(height: number): Promise<void>;
}

/** How a decided block reaches commitNext. */
interface CommitMode {
  /** false leaves the fsync to a later write (block sync: only a run's last block is made durable). */
  durable: boolean;
  /** Block sync: this chain hashed the header itself and verified the commit against that hash. */
  verified: boolean;
  /** Verifies the block's lastCommit (block sync may know its signers already). */
  verifier: MessageVerifier;
  /** Block sync: transaction senders recovered ahead. */
  senders?: RecoveredSigner;
  /** Block sync: the bytes the block and commit arrived as (CertifiedBlock.encoded). */
  encoded?: CertifiedBlock["encoded"];
}

/** What one range did: the blocks it committed and, if it stopped at a bad block, why (nothing after it). */
export interface RangeApplied {
  applied: number;
  error: InvalidBlockError | RlpError | AppError | null;
}

const ZERO_HASH: Hex = `0x${"00".repeat(32)}`;

/**
 * The block pipeline between consensus and the application: builds proposals, validates others' blocks,
 * commits decided ones atomically, and knows the validator set of the next height.
 */
export class Chain {
  private head: Head;
  /** The set of height head + 1, and of head (which signed the lastCommit of the next block). */
  private current: ValidatorSet;
  private previous: ValidatorSet | null;
  /**
   * Executions of candidate blocks at head + 1 (built or validated), by hash: committing a decided block commits
   * its stored execution instead of executing it again.
   */
  private executions = new Map<Hex, Execution>();
  /** The head's commit when this chain verified its signatures itself (block sync), else null. */
  private verifiedHeadCommit: Commit | null = null;
  private readonly listeners = new Set<(info: CommittedBlockInfo) => void>();
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly opts: ChainOptions,
    private readonly modules: ChainModules,
    head: Head,
    current: ValidatorSet,
    previous: ValidatorSet | null,
  ) {
    this.head = head;
    this.current = current;
    this.previous = previous;
  }

  /** Opens the chain from storage, initialising it from the application's genesis state on first start. */
  static async open(opts: ChainOptions, modules: ChainModules): Promise<Chain> {
    const { store, app } = modules;
    const genesisSet = ValidatorSet.create(app.validatorSet());
    await store.initGenesis({
      chainId: opts.chainId,
      genesisHash: opts.genesisHash,
      validatorSet: genesisSet.snapshot(),
      stateWrites: app.height() === 0 ? app.snapshotWrites() : [],
    });
    const stored = await store.head();
    if (stored === null)
      return new Chain(
        opts,
        modules,
        { height: 0, hash: ZERO_HASH, time: opts.genesisTime },
        genesisSet,
        null,
      );
    if (app.height() !== stored.height) {
      throw new ChainHaltError(
        `application state is at height ${app.height()} but the chain's head is ${stored.height}`,
      );
    }
    const block = await store.blockByHeight(stored.height);
    if (!block) throw new ChainHaltError(`head block ${stored.height} is missing from storage`);
    if (block.header.appHash !== app.appHash()) {
      throw new ChainHaltError(
        `loaded state hashes to ${app.appHash()}, the head block says ${block.header.appHash}`,
      );
    }
    const current = await setAt(store, stored.height + 1);
    const previous = await setAt(store, stored.height);
    return new Chain(opts, modules, { ...stored, time: block.header.time }, current, previous);
  }

  get height(): number {
    return this.head.height;
  }

  /** The error to throw when the chain cannot go on, after telling the node. */
  private halt(message: string): ChainHaltError {
    const err = new ChainHaltError(message);
    this.modules.onHalt?.(err);
    return err;
  }

  get chainId(): bigint {
    return this.opts.chainId;
  }

  get headHash(): Hex {
    return this.head.hash;
  }

  /** The validator set that decides height head + 1. */
  get validators(): ValidatorSet {
    return this.current;
  }

  onCommitted(listener: (info: CommittedBlockInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async buildBlock(height: number, proposer: Address): Promise<ProposedBlock<Block>> {
    this.expectNext(height);
    const { app, mempool, store } = this.modules;
    const elapsed = this.modules.elapsed ?? (() => performance.now());
    const started = elapsed();
    const time = Math.max(this.modules.now(), this.head.time + 1);
    const lastCommit = height > 1 ? await store.commitAt(height - 1) : null;
    if (height > 1 && !lastCommit) throw this.halt(`commit of height ${height - 1} is missing`);
    // The app fills the block by gas as Ethereum's gas pool does; what does not fit stays in the pool.
    const candidates = mempool.reap(this.opts.maxBlockTxBytes, this.opts.maxBlockTxs);
    const depositClaims = await this.claimsToInclude();
    await app.prefetch(candidates, depositClaims, proposer);
    const evidence = (await this.modules.evidence?.toInclude(height)) ?? [];
    const full = this.buildLimit(elapsed, started);
    const ctx = this.blockContext({ height, time, proposer }, lastCommit, evidence);
    const built = await app.buildBlock(ctx, candidates, depositClaims, full);
    const next = nextValidatorSet(this.current, built.result.validatorUpdates);
    const checkpoints = await this.checkpointsToInclude();
    const body = { txs: built.txs, lastCommit, evidence, depositClaims, checkpoints };
    const block: Block = {
      header: {
        chainId: this.opts.chainId,
        height,
        time,
        parentHash: this.head.hash,
        proposer,
        validatorsHash: this.current.hash(),
        nextValidatorsHash: next.hash(),
        appHash: built.result.appHash,
        ...computeBodyHashes(body),
      },
      ...body,
    };
    const blockHash = hashHeader(block.header);
    this.executions.set(blockHash, { result: built.result, next });
    return { blockHash, block };
  }

  /**
   * Resolves false for a block that breaks a rule; throws for a failure that says nothing about the block
   * (storage), so the caller retries instead of rejecting a good block for good.
   */
  async validateBlock(height: number, value: ProposedBlock<Block>): Promise<boolean> {
    try {
      await this.checkBlock(height, value);
      return true;
    } catch (err) {
      if (err instanceof InvalidBlockError || err instanceof RlpError || err instanceof AppError) {
        this.modules.onInvalidBlock?.(height, value.blockHash, errorMessage(err));
        return false;
      }
      throw err;
    }
  }

  /** Persists and applies a decided block; returns the validator set of the next height. */
  commitBlock(value: ProposedBlock<Block>, commit: Commit): Promise<ValidatorSet> {
    return this.serially(async () => {
      // Block sync may have stored this very block while consensus was deciding it: that is not an error.
      if (value.block.header.height === this.head.height && value.blockHash === this.head.hash)
        return this.current;
      return this.commitNext(value, commit, {
        durable: true,
        verified: false,
        verifier: this.modules.verifier,
      });
    });
  }

  /**
   * Consensus and block sync both commit; running them one at a time keeps "is this the next height" and the
   * write it guards atomic, instead of letting one of them fail on storage's continuity check.
   */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writing.then(work, work);
    this.writing = run.catch(() => undefined);
    return run;
  }

  /**
   * A write that is not durable leaves the fsync to a later one: a crash then loses at most blocks the network
   * still holds (each write stays atomic, so the head stays whole).
   */
  private async commitNext(
    value: ProposedBlock<Block>,
    commit: Commit,
    mode: CommitMode,
  ): Promise<ValidatorSet> {
    const { durable, verified } = mode;
    const { block, blockHash } = value;
    const execution = await this.decidedExecution(value, mode);
    const { result, next } = execution;
    const epochChange = result.validatorUpdates !== null && result.validatorUpdates.length > 0;
    const { store, app, mempool } = this.modules;
    try {
      await store.writeCommittedBlock(
        {
          block,
          blockHash,
          commit,
          receipts: result.receipts,
          baseFee: result.baseFee,
          stateWrites: result.stateWrites,
          ...encodedAs(mode.encoded, block, commit),
          ...(epochChange ? { nextValidatorSet: next.snapshot() } : {}),
          ...(block.checkpoints.length > 0 ? { checkpoints: block.checkpoints } : {}),
        },
        { sync: durable },
      );
    } catch (err) {
      throw this.halt(`cannot store decided block ${block.header.height}: ${errorMessage(err)}`);
    }
    this.modules.afterBlockWrite?.(block.header.height);
    app.commit(result);
    mempool.update(result.receipts.map((r) => r.txHash));
    this.head = { height: block.header.height, hash: blockHash, time: block.header.time };
    this.previous = this.current;
    this.current = next;
    this.verifiedHeadCommit = verified ? commit : null;
    this.executions.clear();
    const info = { block, blockHash, commit, receipts: result.receipts, baseFee: result.baseFee };
    for (const listener of this.listeners) listener(info);
    return next;
  }

  /**
   * The execution made when this node built or validated the block at this head, checked against the body it is
   * committing (the body may come from another message than the one validated); otherwise the block is checked
   * and executed now (block sync, or a block this node never validated).
   */
  private async decidedExecution(value: ProposedBlock<Block>, mode: CommitMode): Promise<Execution> {
    const { block, blockHash } = value;
    const height = block.header.height;
    const known = this.executions.get(blockHash);
    if (known) {
      this.expectNext(height);
      if (hashHeader(block.header) !== blockHash)
        throw new InvalidBlockError(`block ${height} (${blockHash}): does not hash to its claimed hash`);
      validateBlockBody(block);
      return known;
    }
    await this.checkBlock(height, value, {
      decided: true,
      hashed: mode.verified,
      verifier: mode.verifier,
      ...(mode.senders === undefined ? {} : { senders: mode.senders }),
    });
    const executed = this.executions.get(blockHash);
    if (!executed) throw this.halt(`decided block ${blockHash} has no execution`);
    return executed;
  }

  /** For block sync: a block and the commit that decided it, verified against the set before it is applied. */
  applyCertified(block: Block, commit: Commit): Promise<void> {
    return this.serially(() => this.applyCertifiedNext(block, commit));
  }

  private async applyCertifiedNext(block: Block, commit: Commit): Promise<void> {
    const blockHash = hashHeader(block.header);
    // Consensus committed it first: nothing to do, and nothing wrong with the peer that served it.
    if (block.header.height === this.head.height && blockHash === this.head.hash) return;
    const { verifier } = this.modules;
    const problem = this.commitProblem(block, blockHash, commit, this.current, verifier);
    if (problem !== null) throw new InvalidBlockError(problem);
    // A commit certifies the block was valid when decided, so a clock-drift rule does not apply to old blocks.
    await this.commitNext({ blockHash, block }, commit, { durable: true, verified: true, verifier });
  }

  /**
   * For block sync: consecutive decided blocks, each applied only with a commit that verifies against the set of
   * its height. Blocks at or below the head are skipped (consensus may have committed them meanwhile). The commits
   * of a run of blocks that claim the same validator set are verified before any of them executes, so a bad
   * certificate costs no execution; a set change (a header naming another set) starts a new run once the block
   * before it has executed and produced that set. Stops at the first bad block: the ones before it are committed.
   * Throws only for failures that say nothing about the blocks (storage), as commitBlock does. `signers`, the
   * precommit signers and transaction senders block sync recovered ahead, saves recovering them here; any it lacks
   * are recovered here.
   */
  applyCertifiedRange(items: readonly CertifiedBlock[], signers?: RecoveredSigners): Promise<RangeApplied> {
    return this.serially(() => this.applyRangeNext(items, this.verifierWith(signers), signers));
  }

  /** For block sync: what recovering a transaction's sender takes, so that it can be recovered ahead elsewhere. */
  txSignature(raw: Uint8Array): SenderSignature | null {
    return senderSignature(raw);
  }

  /** The chain's verifier, asked only for the precommits `signers` does not hold. */
  private verifierWith(signers: RecoveredSigners | undefined): MessageVerifier {
    const inner = this.modules.verifier;
    if (signers === undefined) return inner;
    return {
      voteSigner(chainId, vote) {
        const known = signers.voteSigner(chainId, vote);
        return known === undefined ? inner.voteSigner(chainId, vote) : known;
      },
      proposalSigner: (chainId, proposal) => inner.proposalSigner(chainId, proposal),
    };
  }

  private async applyRangeNext(
    items: readonly CertifiedBlock[],
    verifier: MessageVerifier,
    signers: RecoveredSigners | undefined,
  ): Promise<RangeApplied> {
    const senders = signers?.txSigner;
    let applied = 0;
    const fresh = items.filter((item) => item.block.header.height > this.head.height);
    let start = 0;
    try {
      const hashes = fresh.map((item) => hashHeader(item.block.header));
      while (start < fresh.length) {
        const set = this.current;
        const setHash = set.hash();
        let end = start;
        let bad: InvalidBlockError | null = null;
        for (; end < fresh.length; end++) {
          const { block, commit } = fresh[end] as CertifiedBlock;
          if (end > start && block.header.validatorsHash !== setHash) break;
          const problem = this.commitProblem(block, hashes[end] as Hex, commit, set, verifier);
          if (problem !== null) {
            bad = new InvalidBlockError(problem);
            break;
          }
        }
        for (let i = start; i < end; i++) {
          const { block, commit, encoded } = fresh[i] as CertifiedBlock;
          await signers?.blockDue?.(block.header.height);
          const durable = i === end - 1 && (bad !== null || end === fresh.length);
          await this.commitNext({ blockHash: hashes[i] as Hex, block }, commit, {
            durable,
            verified: true,
            verifier,
            ...(senders === undefined ? {} : { senders }),
            ...(encoded === undefined ? {} : { encoded }),
          });
          applied++;
        }
        if (bad !== null) return { applied, error: bad };
        start = end;
      }
    } catch (err) {
      if (err instanceof InvalidBlockError || err instanceof RlpError || err instanceof AppError)
        return { applied, error: err };
      throw err;
    }
    return { applied, error: null };
  }

  /** Why `commit` does not certify this block against `set`, or null if it does. */
  private commitProblem(
    block: Block,
    blockHash: Hex,
    commit: Commit,
    set: ValidatorSet,
    verifier: MessageVerifier,
  ): string | null {
    if (commit.height !== block.header.height || commit.blockHash !== blockHash)
      return `commit for ${commit.height}/${commit.blockHash} does not decide block ${blockHash}`;
    const check = verifyCommit(commit, set, this.opts.chainId, verifier);
    return check.ok ? null : `commit of height ${commit.height}: ${check.reason}`;
  }

  private expectNext(height: number): void {
    if (height !== this.head.height + 1) {
      throw new InvalidBlockError(`height ${height} is not the next height ${this.head.height + 1}`);
    }
  }

  private async checkBlock(
    height: number,
    value: ProposedBlock<Block>,
    opts: {
      /** A decided block carries 2/3+ precommits: the clock and L1 checks were the voters' to make. */
      decided?: boolean;
      /** blockHash is this chain's own hash of the header (block sync), not a claim to check. */
      hashed?: boolean;
      verifier?: MessageVerifier;
      senders?: RecoveredSigner;
    } = {},
  ): Promise<void> {
    const { block, blockHash } = value;
    const { header } = block;
    const fail = (why: string): never => {
      throw new InvalidBlockError(`block ${height} (${blockHash}): ${why}`);
    };
    this.expectNext(height);
    if (header.height !== height) fail(`header height is ${header.height}`);
    if (!opts.hashed && hashHeader(header) !== blockHash) fail("does not hash to its claimed hash");
    if (header.chainId !== this.opts.chainId) fail(`chain id ${header.chainId}`);
    if (header.parentHash !== this.head.hash)
      fail(`parent ${header.parentHash} is not the head ${this.head.hash}`);
    if (header.time <= this.head.time)
      fail(`time ${header.time} is not after its parent's ${this.head.time}`);
    if (!opts.decided && header.time > this.modules.now() + this.opts.maxClockDriftMs) {
      fail(`time ${header.time} is more than ${this.opts.maxClockDriftMs} ms ahead of this node's clock`);
    }
    if (!this.current.has(header.proposer)) fail(`proposer ${header.proposer} is not a validator`);
    if (header.validatorsHash !== this.current.hash()) fail("validatorsHash is not the current set's");
    validateBlockBody(block);
    if (!opts.decided) {
      await this.checkEvidence(block, fail);
      await this.checkClaims(block, fail);
    }
    await this.checkCheckpoints(block, fail);
    this.checkLastCommit(block, fail, opts.verifier ?? this.modules.verifier);
    const { app, mempool } = this.modules;
    const known = (hash: Hex) => mempool.get(hash);
    // Decoding yields to the event loop; the prefetch and the execution below then find the senders cached.
    await this.decodeUnknown(block.txs, opts.senders);
    await app.prefetch(block.txs, block.depositClaims, header.proposer, known);
    // The app enforces strict nonce order; here each claim is matched against L1.
    const result = await app.executeBlock(
      this.blockContext(
        { height, time: header.time, proposer: header.proposer },
        block.lastCommit,
        block.evidence,
      ),
      block.txs,
      block.depositClaims,
      known,
    );
    if (result.appHash !== header.appHash)
      fail(`appHash ${header.appHash} differs from the executed ${result.appHash}`);
    const next = nextValidatorSet(this.current, result.validatorUpdates);
    if (header.nextValidatorsHash !== next.hash())
      fail("nextValidatorsHash differs from the executed set change");
    this.executions.set(blockHash, { result, next });
  }

  /**
   * What the application learns of a block beyond its transactions, as ABCI's FinalizeBlock: who of the parent's
   * set signed the lastCommit (downtime) and whom the evidence convicts (double signs).
   */
  private blockContext(
    base: { height: number; time: number; proposer: Address },
    lastCommit: Commit | null,
    evidence: readonly DuplicateVoteEvidence[],
  ): BlockContext {
    const signers = new Set(lastCommit?.signatures.map((s) => s.validator) ?? []);
    const lastCommitVotes =
      lastCommit === null || this.previous === null
        ? []
        : this.previous.priorities().map((v) => ({ address: v.address, signed: signers.has(v.address) }));
    const misbehaviour = evidence.map((e) => ({ validator: e.voteA.validator, height: e.voteA.height }));
    return { ...base, lastCommitVotes, misbehaviour };
  }

  /**
   * When a proposal is full by time: building has used the budget, or the transactions so far would take a
   * validator that lacks some of them longer than the budget to check, at this node's check cost.
   */
  private buildLimit(elapsed: () => number, started: number): (() => boolean) | undefined {
    const budget = this.opts.buildBudgetMs;
    if (budget === undefined) return undefined;
    const share = this.opts.assumedUnknownShare ?? DEFAULT_UNKNOWN_SHARE;
    const mempool = this.modules.mempool;
    let asked = 0;
    return () => {
      asked++;
      return elapsed() - started >= budget || asked * share * mempool.checkCostMs >= budget;
    };
  }

  /**
   * Decodes (and so recovers the senders of) the block's transactions this node's pool does not hold, in chunks
   * with a yield between them: recovery is the costly part of a check, and one long synchronous run would starve
   * RPC and gossip. The application's decode cache then serves them to the execution. A transaction that does
   * not decode is left for the execution to reject with its index.
   */
  private async decodeUnknown(txs: readonly Uint8Array[], senders?: RecoveredSigner): Promise<void> {
    const { app, mempool } = this.modules;
    const yieldNow = this.modules.yieldNow ?? nextTurn;
    const elapsed = this.modules.elapsed ?? (() => performance.now());
    let since = elapsed();
    for (const raw of txs) {
      if (mempool.has(keccak256Hex(raw))) continue;
      try {
        app.decodeTx(raw, senders);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
      }
      if (elapsed() - since >= YIELD_AFTER_MS) {
        await yieldNow();
        since = elapsed();
      }
    }
  }

  /** The held claims L1 confirms, in nonce order up to the first it does not: a gap would make the block invalid. */
  private async claimsToInclude(): Promise<DepositClaim[]> {
    const deposits = this.modules.deposits;
    if (!deposits) return [];
    const included: DepositClaim[] = [];
    for (const claim of deposits.ready(MAX_DEPOSIT_CLAIMS_PER_BLOCK)) {
      try {
        if ((await deposits.check(claim)) !== "confirmed") break;
      } catch {
        // L1 is unreachable: propose without claims rather than not at all.
        break;
      }
      included.push(claim);
    }
    return included;
  }

  /** Each piece must convict, once per offender: the application punishes an offender once per block. */
  private async checkEvidence(block: Block, fail: (why: string) => never): Promise<void> {
    if (block.evidence.length === 0) return;
    const evidence = this.modules.evidence;
    if (!evidence) fail("carries evidence, and this node cannot check evidence");
    const offenders = new Set<Address>();
    for (const [i, e] of block.evidence.entries()) {
      if (offenders.has(e.voteA.validator)) fail(`evidence[${i}]: a second offence of ${e.voteA.validator}`);
      offenders.add(e.voteA.validator);
      const problem = await evidence.problem(e, block.header.height);
      if (problem !== null) fail(`evidence[${i}]: ${problem}`);
    }
  }

  private async checkClaims(block: Block, fail: (why: string) => never): Promise<void> {
    if (block.depositClaims.length === 0) return;
    const deposits = this.modules.deposits;
    if (!deposits) fail("carries deposit claims, and this node has no L1 to confirm them");
    for (const claim of block.depositClaims) {
      const verdict = await deposits.check(claim);
      if (verdict !== "confirmed") fail(`deposit claim ${claim.nonce}: ${verdict} on L1`);
    }
  }

  /** At most one certified checkpoint per block, the next in number order, once this node holds it certified. */
  private async checkpointsToInclude(): Promise<CertifiedCheckpoint[]> {
    const checkpoints = this.modules.checkpoints;
    if (!checkpoints) return [];
    const next = (await this.modules.store.latestCheckpointNumber()) + 1;
    const certified = checkpoints.certified(next);
    // Proposing only what this node's own checks accept keeps a bad certificate out of its proposals.
    if (certified === null || (await checkpoints.includedProblem(certified, next)) !== null) return [];
    return [certified];
  }

  private async checkCheckpoints(block: Block, fail: (why: string) => never): Promise<void> {
    if (block.checkpoints.length === 0) return;
    const checkpoints = this.modules.checkpoints;
    if (!checkpoints) fail("checkpoints are not accepted on a chain without L1");
    let expected = (await this.modules.store.latestCheckpointNumber()) + 1;
    for (const certified of block.checkpoints) {
      const problem = await checkpoints.includedProblem(certified, expected);
      if (problem !== null) fail(`checkpoint: ${problem}`);
      expected++;
    }
  }

  private checkLastCommit(block: Block, fail: (why: string) => never, verifier: MessageVerifier): void {
    const { header, lastCommit } = block;
    if (header.height === 1) {
      if (lastCommit !== null) fail("the first block carries no lastCommit");
      return;
    }
    if (lastCommit === null) fail("lastCommit is missing");
    if (lastCommit.height !== header.height - 1 || lastCommit.blockHash !== this.head.hash) {
      fail("lastCommit is not for the parent block");
    }
    if (!this.previous) fail("the parent's validator set is unknown");
    // The certificate this chain verified when it synced the parent, against the same set: checked already.
    if (this.verifiedHeadCommit !== null && sameCommit(lastCommit, this.verifiedHeadCommit)) return;
    const check = verifyCommit(lastCommit, this.previous, this.opts.chainId, verifier);
    if (!check.ok) fail(`lastCommit: ${check.reason}`);
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function setAt(store: ChainStore, height: number): Promise<ValidatorSet> {
  const set = await storedValidatorSetAt(store, height);
  if (!set) throw new ChainHaltError(`no validator set stored for height ${height}`);
  return set;
}

/** The arrived bytes of block and commit, each only if it is the encoding of this very object. */
function encodedAs(
  encoded: CertifiedBlock["encoded"],
  block: Block,
  commit: Commit,
): { encodedBlock?: Uint8Array; encodedCommit?: Uint8Array } {
  if (encoded === undefined) return {};
  return {
    ...(encoded.block === block ? { encodedBlock: encoded.blockBytes } : {}),
    ...(encoded.commit === commit ? { encodedCommit: encoded.commitBytes } : {}),
  };
}

function sameCommit(a: Commit, b: Commit): boolean {
  if (a.height !== b.height || a.round !== b.round || a.blockHash !== b.blockHash) return false;
  if (a.signatures.length !== b.signatures.length) return false;
  return a.signatures.every((sig, i) => {
    const other = b.signatures[i];
    return other !== undefined && sig.validator === other.validator && sig.signature === other.signature;
  });
}
