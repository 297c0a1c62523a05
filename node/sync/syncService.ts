import type { Block, Commit } from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import type { ServiceLogger } from "../util/logger.ts";
import { type SyncOptions, type SyncResult, syncFromPeers } from "./blockSync.ts";
import { type KeyRecovery, startKeyRecoveryWorker } from "./keyRecoveryWorker.ts";
import { type RecoveredSigners, recoverRangeSigners, type TxSignature } from "./recoveredSigners.ts";
import { encodeSyncItem, type SyncItem } from "./wire.ts";

export interface SyncServiceOptions {
  /** Whether to wait (up to peerWaitMs) for a first peer before the initial sync: false with no bootstrap peers. */
  waitForPeers: boolean;
  peerWaitMs: number;
  /** How often the stall watchdog looks. */
  checkEveryMs: number;
  /** A node that has not committed for this long asks its peers for blocks and votes. */
  stallAfterMs: number;
  /** Fetch-ahead window, range size and request timeout of block sync; the defaults suit the node. */
  blockSync?: SyncOptions;
  /**
   * Recover the signatures of fetched-ahead ranges on a thread of their own (default true): verification is the
   * largest cost of syncing a block, and there it overlaps executing and writing the blocks before them.
   */
  recoveryThread?: boolean;
}

/** The req/resp protocols this service serves and uses (the node's p2p ReqResp). */
export interface SyncReqResp {
  handleBlocks(handler: (from: number, count: number) => AsyncIterable<Uint8Array>): Promise<void>;
  handleCatchUp(handler: (height: number) => Promise<Uint8Array[]>): Promise<void>;
  requestBlocks(peer: string, from: number, count: number): Promise<Uint8Array[]>;
  requestCatchUp(peer: string, height: number): Promise<Uint8Array[]>;
}

export interface SyncChain {
  readonly height: number;
  readonly chainId: bigint;
  applyCertifiedRange(
    items: { block: Block; commit: Commit; encoded?: SyncItem["encoded"] }[],
    signers?: RecoveredSigners,
  ): Promise<{ applied: number; error: Error | null }>;
  onCommitted(listener: () => void): () => void;
  /** What recovering a transaction's sender takes: given it, senders are recovered ahead on the sync's thread. */
  txSignature?(raw: Uint8Array): TxSignature | null;
}

/** The consensus side of joining: start once synced, follow the chain, take and serve catch-up items. */
export interface SyncConsensus {
  start(): Promise<void>;
  followChain(): void;
  submitCatchUpItem(bytes: Uint8Array): void;
  catchUpItems(height: number): Uint8Array[];
}

export interface SyncServiceModules {
  reqresp: SyncReqResp;
  peers(): string[];
  chain: SyncChain;
  /** Stored blocks and commits [from, to], encoded as stored. */
  blocksRange(from: number, to: number): Promise<{ block: Uint8Array; commit: Uint8Array }[]>;
  consensus: SyncConsensus;
  syncedBlocks: { inc(n: number): void };
  /** A peer served a bad block or range: counted against it (the p2p layer's penalties). */
  penalise?(peer: string): void;
  logger: ServiceLogger;
  now(): number;
}

/**
 * Brings the node to the network's head and keeps it there: block sync before joining consensus, catch-up on
 * the current height's messages after, and a watchdog that does both again when commits stop arriving.
 */
export class SyncService {
  private syncingNow = true;
  private lastCommitAt: number;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  private recovering = false;
  private joining: Promise<void> = Promise.resolve();
  /** Started by the first sync, kept for the watchdog's; null when it cannot run (then the chain recovers). */
  private recovery: KeyRecovery | null | undefined;

  constructor(
    private readonly opts: SyncServiceOptions,
    private readonly modules: SyncServiceModules,
  ) {
    this.lastCommitAt = modules.now();
  }

  /** True until the initial block sync is done; a syncing node does not sign past epochs' checkpoints. */
  get syncing(): boolean {
    return this.syncingNow;
  }

  /**
   * Serves blocks and catch-up, then joins the network in the background: waits briefly for a peer, syncs,
   * joins consensus, catches up. The node is up (RPC answers, `syncing` says where it is) while it syncs, as a
   * CometBFT node is during block sync: a long history must not look like a node that failed to start.
   */
  async start(): Promise<void> {
    const { reqresp, chain, consensus, now } = this.modules;
    this.unsubscribe = chain.onCommitted(() => {
      this.lastCommitAt = now();
    });
    await reqresp.handleBlocks((from, count) => this.serveBlocks(from, count));
    await reqresp.handleCatchUp(async (height) => consensus.catchUpItems(height));
    this.joining = this.join().catch((err: unknown) =>
      this.modules.logger.error({ err: errorMessage(err) }, "joining the network failed"),
    );
  }

  /** Resolves once the initial sync is done and consensus runs (or joining failed, which is logged). */
  joined(): Promise<void> {
    return this.joining;
  }

  private async join(): Promise<void> {
    const { consensus } = this.modules;
    await this.waitForPeer();
    await this.sync();
    this.syncingNow = false;
    if (this.stopped) return;
    await consensus.start();
    await this.catchUp();
    if (this.stopped) return;
    this.watchdog = setInterval(() => this.checkStall(), this.opts.checkEveryMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    void this.recovery?.close();
    this.recovery = null;
  }

  async *serveBlocks(from: number, count: number): AsyncIterable<Uint8Array> {
    const to = Math.min(this.modules.chain.height, from + count - 1);
    if (from > to) return;
    for (const item of await this.modules.blocksRange(from, to))
      yield encodeSyncItem(item.block, item.commit);
  }

  async sync(): Promise<SyncResult> {
    const { reqresp, chain, logger } = this.modules;
    const result = await syncFromPeers(
      {
        peers: () => this.modules.peers(),
        requestBlocks: (peer, from, count) => reqresp.requestBlocks(peer, from, count),
        applyRange: (items, signers) => chain.applyCertifiedRange(items, signers),
        ...(this.keyRecovery() === null ? {} : { recoverSigners: (items) => this.recoverSigners(items) }),
        height: () => chain.height,
        penalise: (peer, reason) => {
          logger.warn({ peer, reason }, "peer served a bad block");
          this.modules.penalise?.(peer);
        },
        dropped: (peer, reason) => logger.debug({ peer, reason }, "sync request failed; peer left out"),
        progress: (p) => logger.info(p, "sync progress"),
      },
      this.modules.now,
      this.opts.blockSync,
    );
    if (result.error !== undefined)
      logger.warn({ err: result.error }, "block sync stopped on a local failure");
    if (result.applied > 0) {
      this.modules.syncedBlocks.inc(result.applied);
      logger.info(result, "sync done");
    }
    return result;
  }

  private keyRecovery(): KeyRecovery | null {
    if (this.recovery !== undefined) return this.recovery;
    this.recovery = null;
    if (this.opts.recoveryThread === false || this.stopped) return null;
    try {
      this.recovery = startKeyRecoveryWorker();
    } catch (err) {
      this.modules.logger.warn(
        { err: errorMessage(err) },
        "no signature recovery thread; sync recovers inline",
      );
    }
    return this.recovery;
  }

  private recoverSigners(items: { block: Block; commit: Commit }[]): RecoveredSigners | undefined {
    const recovery = this.keyRecovery();
    if (recovery === null) return undefined;
    const { chain } = this.modules;
    const { signers, recovered } = recoverRangeSigners(
      chain.chainId,
      items,
      recovery,
      chain.txSignature?.bind(chain),
    );
    recovered.catch((err: unknown) => {
      // The thread died: later ranges are verified on this one, as without it.
      if (this.recovery !== recovery) return;
      this.recovery = null;
      void recovery.close();
      this.modules.logger.warn(
        { err: errorMessage(err) },
        "signature recovery thread failed; sync recovers inline",
      );
    });
    return signers;
  }

  /** Asks every peer for the proposals and votes of the height above our head: gossipsub does not resend. */
  async catchUp(): Promise<void> {
    const { reqresp, chain, consensus, logger } = this.modules;
    const height = chain.height + 1;
    for (const peer of this.modules.peers()) {
      try {
        for (const bytes of await reqresp.requestCatchUp(peer, height)) consensus.submitCatchUpItem(bytes);
      } catch (err) {
        logger.debug({ peer, err: errorMessage(err) }, "catch-up request failed");
      }
    }
  }

  /**
   * One watchdog look: a stalled node syncs, moves consensus on if that got it further, and catches up. One
   * recovery at a time: on a busy node a recovery can outlast the interval, and overlapping ones only pile the
   * same blocks and votes (and req/resp streams) onto a node that is already behind.
   */
  checkStall(): void {
    if (this.recovering || this.modules.now() - this.lastCommitAt < this.opts.stallAfterMs) return;
    this.recovering = true;
    void this.recover()
      .catch((err: unknown) => this.modules.logger.warn({ err: errorMessage(err) }, "stall recovery failed"))
      .finally(() => {
        this.recovering = false;
      });
  }

  private async recover(): Promise<void> {
    const { chain, consensus } = this.modules;
    const before = chain.height;
    const { applied } = await this.sync();
    if (applied > 0 && chain.height > before) consensus.followChain();
    await this.catchUp();
  }

  private async waitForPeer(): Promise<void> {
    if (!this.opts.waitForPeers) return;
    const deadline = this.modules.now() + this.opts.peerWaitMs;
    while (this.modules.peers().length === 0 && this.modules.now() < deadline && !this.stopped)
      await new Promise((r) => setTimeout(r, 100));
  }
}
