import type { Hex } from "../crypto/index.ts";
import {
  type Block,
  type DuplicateVoteEvidence,
  decodeEvidence,
  encodeEvidence,
  MAX_EVIDENCE_PER_BLOCK,
} from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import { type EvidencePool, evidenceHash } from "./pool.ts";
import type { EvidenceCheck, EvidenceProblem } from "./verify.ts";

export interface EvidenceServiceOptions {
  /**
   * How often held evidence is published again. gossipsub resends nothing to a peer that was away and drops a
   * copy it saw within its 2-minute seen cache, so the interval is longer than that.
   */
  regossipMs: number;
}

export const DEFAULT_EVIDENCE_SERVICE: EvidenceServiceOptions = { regossipMs: 150_000 };

interface EvidenceLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Where held evidence survives a restart (node/storage's EvidenceStore). */
export interface EvidenceKeeper {
  put(hash: Hex, evidence: DuplicateVoteEvidence): Promise<void>;
  delete(hashes: readonly Hex[]): Promise<void>;
  all(): Promise<DuplicateVoteEvidence[]>;
}

export interface EvidenceServiceModules {
  pool: EvidencePool;
  keeper: EvidenceKeeper;
  /** Why a block at `blockHeight` may not carry the evidence (node/evidence/verify.ts), null if it may. */
  check: EvidenceCheck;
  /** The last committed height. */
  height(): number;
  publish(data: Uint8Array): void;
  logger: EvidenceLogger;
}

type Verdict = "accept" | "reject" | "ignore";

/**
 * Evidence from detection to a block (CometBFT's evidence reactor and pool): what this node's engine detects or a
 * peer gossips is verified, kept, published, offered to proposals and dropped once a block carries it or it can
 * no longer be punished.
 */
export class EvidenceService {
  private timer: ReturnType<typeof setInterval> | null = null;
  private committedCount = 0;

  constructor(
    private readonly opts: EvidenceServiceOptions,
    private readonly modules: EvidenceServiceModules,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.regossip(), this.opts.regossipMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  get pending(): number {
    return this.modules.pool.size;
  }

  /** Evidence blocks have carried since this node started. */
  get committed(): number {
    return this.committedCount;
  }

  /**
   * At start-up: what the node held before it stopped goes back into the pool, unless it can no longer be
   * punished (then it leaves the disk too).
   */
  async restore(): Promise<void> {
    const gone: Hex[] = [];
    for (const e of await this.modules.keeper.all()) {
      const problem = await this.checkHeld(e);
      if (problem === null) this.modules.pool.add(e);
      else gone.push(evidenceHash(e));
    }
    if (gone.length > 0) await this.modules.keeper.delete(gone);
  }

  /** A double sign this node's engine saw: kept and published if it can still be punished. */
  async report(e: DuplicateVoteEvidence): Promise<void> {
    const { logger } = this.modules;
    const fields = { validator: e.voteA.validator, height: e.voteA.height, round: e.voteA.round };
    try {
      if (this.modules.pool.has(e)) return;
      const problem = await this.checkHeld(e);
      if (problem !== null) {
        logger.info({ ...fields, reason: problem.reason }, "duplicate vote seen, not punishable");
        return;
      }
      if (!this.hold(e)) return;
      logger.warn({ ...fields, evidence: evidenceHash(e) }, "duplicate vote seen: evidence published");
      this.modules.publish(encodeEvidence(e));
    } catch (err) {
      logger.warn({ ...fields, err: errorMessage(err) }, "could not check evidence");
    }
  }

  /** Gossip validation: false evidence penalises its sender; late, early or known evidence is just not forwarded. */
  async validateGossip(data: Uint8Array): Promise<Verdict> {
    let e: DuplicateVoteEvidence;
    try {
      e = decodeEvidence(data);
    } catch {
      return "reject";
    }
    if (this.modules.pool.has(e)) return "ignore";
    const problem = await this.checkHeld(e);
    if (problem !== null) return problem.fault ? "reject" : "ignore";
    return this.hold(e) ? "accept" : "ignore";
  }

  /** What the block pipeline asks (node/chain's ChainEvidence): what to propose, and why a block's may not stand. */
  readonly forBlocks = {
    toInclude: (height: number) => this.toInclude(height),
    problem: async (e: DuplicateVoteEvidence, height: number) =>
      (await this.modules.check(e, height))?.reason ?? null,
  };

  /** For a proposal at `height`: held evidence that is still punishable, at most one per offender. */
  async toInclude(height: number): Promise<DuplicateVoteEvidence[]> {
    const out: DuplicateVoteEvidence[] = [];
    for (const e of this.modules.pool.take(MAX_EVIDENCE_PER_BLOCK)) {
      if ((await this.modules.check(e, height)) === null) out.push(e);
    }
    return out;
  }

  /** After a commit: what the block carried is done, and what became unpunishable leaves the pool. */
  async committedBlock(block: Block): Promise<void> {
    try {
      await this.afterCommit(block);
    } catch (err) {
      this.modules.logger.warn({ err: errorMessage(err) }, "could not prune the evidence pool");
    }
  }

  private async afterCommit(block: Block): Promise<void> {
    const { pool } = this.modules;
    const gone = block.evidence.filter((e) => pool.has(e));
    pool.markCommitted(block.evidence);
    this.committedCount += block.evidence.length;
    for (const e of block.evidence) {
      this.modules.logger.warn(
        { validator: e.voteA.validator, height: e.voteA.height, includedAt: block.header.height },
        "double-sign evidence committed",
      );
    }
    for (const e of pool.all()) {
      const problem = await this.checkHeld(e);
      if (problem !== null) {
        pool.remove(e);
        gone.push(e);
      }
    }
    if (gone.length > 0) await this.modules.keeper.delete(gone.map(evidenceHash));
  }

  /** Into the pool and onto disk; false if the pool knew it or is full. */
  private hold(e: DuplicateVoteEvidence): boolean {
    if (this.modules.pool.add(e) !== "added") return false;
    this.modules.keeper
      .put(evidenceHash(e), e)
      .catch((err: unknown) =>
        this.modules.logger.warn({ err: errorMessage(err) }, "could not store evidence"),
      );
    return true;
  }

  /**
   * Checked for the first block that may carry it: the engine reports a double sign at the height it is still
   * deciding, which only the block after that height can carry, so "not before this block" is not a reason to drop.
   */
  private async checkHeld(e: DuplicateVoteEvidence): Promise<EvidenceProblem | null> {
    const deciding = this.modules.height() + 1;
    // Beyond the height being decided nothing can be checked yet, and holding it would only take a pool slot.
    if (e.voteA.height > deciding) {
      return { reason: `evidence of height ${e.voteA.height} is ahead of height ${deciding}`, fault: false };
    }
    return this.modules.check(e, Math.max(deciding, e.voteA.height + 1));
  }

  /** What this node holds, for RPC. */
  held(): { hash: Hex; evidence: DuplicateVoteEvidence }[] {
    return this.modules.pool.all().map((evidence) => ({ hash: evidenceHash(evidence), evidence }));
  }

  private regossip(): void {
    for (const e of this.modules.pool.all()) this.modules.publish(encodeEvidence(e));
  }
}
