import type { Address, Hex } from "../crypto/index.ts";
import type { Block } from "../types/index.ts";
import type { ServiceLogger } from "../util/logger.ts";
import type { NodeMetrics } from "./metrics.ts";

export interface ChainMonitorOptions {
  /** How often the peer count and the consensus round are sampled. */
  sampleEveryMs: number;
  /** How long without a new height before the node says it is stalled. */
  stallAlarmMs: number;
}

export interface ValidatorStandingSample {
  address: Address;
  stake: bigint;
  jailed: boolean;
  slashed: bigint;
  missedInWindow: number;
}

export interface ChainMonitorModules {
  chain: { onCommitted(listener: (info: { block: Block; blockHash: Hex }) => void): () => void };
  metrics: Pick<
    NodeMetrics,
    | "height"
    | "round"
    | "peers"
    | "mempoolSize"
    | "blockInterval"
    | "committedTxs"
    | "pendingDepositClaims"
    | "mintedDeposits"
    | "pendingEvidence"
    | "committedEvidence"
    | "validatorStake"
    | "validatorJailed"
    | "validatorSlashed"
    | "validatorMissed"
    | "droppedTxs"
    | "busyRefusedTxs"
    | "stalled"
    | "secondsSinceBlock"
  >;
  mempool: {
    readonly size: number;
    onDropped(listener: (dropped: { hash: Hex; reason: string; message: string }) => void): () => void;
  };
  /** The mempool's door: transactions it refused because too many waited for their check. */
  admission: { readonly refused: number };
  /** Deposit claims waiting for a block. */
  claims: { readonly size: number };
  /** Double-sign evidence waiting for a block. */
  evidence: { readonly pending: number };
  /** Stake, jail, slashes and missed votes of the active set's validators, at the committed state. */
  standings(): readonly ValidatorStandingSample[];
  host: { peerCount(): number };
  consensus: { readonly round: number };
  logger: ServiceLogger;
  /** Wall-clock milliseconds. */
  now(): number;
}

/** The node's metrics and its one log line per committed block, kept out of the parts they describe. */
export class ChainMonitor {
  private lastBlockTime = 0;
  private lastCommitAt: number;
  private stalledSince: number | null = null;
  private heightSeen = 0;
  private refusedSeen = 0;
  private unsubscribe: (() => void)[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly opts: ChainMonitorOptions,
    private readonly modules: ChainMonitorModules,
  ) {
    this.lastCommitAt = modules.now();
  }

  start(): void {
    const { chain, mempool, metrics, logger } = this.modules;
    // An accepted transaction never leaves silently: counted and logged here, kept for outrigger_txStatus there.
    this.unsubscribe = [
      chain.onCommitted((info) => this.committed(info)),
      mempool.onDropped(({ hash, reason, message }) => {
        metrics.droppedTxs.inc({ reason });
        logger.debug({ tx: hash, reason, message }, "mempool dropped a transaction");
      }),
    ];
    this.timer = setInterval(() => this.sample(), this.opts.sampleEveryMs);
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.unsubscribe = [];
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reset first: a validator that left the set must not keep its last values. */
  private sampleStandings(): void {
    const { metrics } = this.modules;
    const gauges = [
      metrics.validatorStake,
      metrics.validatorJailed,
      metrics.validatorSlashed,
      metrics.validatorMissed,
    ];
    for (const gauge of gauges) gauge.reset();
    for (const s of this.modules.standings()) {
      const labels = { validator: s.address };
      // A gauge holds a float: exact up to 2^53 wei, close enough beyond for a dashboard.
      metrics.validatorStake.set(labels, Number(s.stake));
      metrics.validatorJailed.set(labels, s.jailed ? 1 : 0);
      metrics.validatorSlashed.set(labels, Number(s.slashed));
      metrics.validatorMissed.set(labels, s.missedInWindow);
    }
  }

  committed({ block, blockHash }: { block: Block; blockHash: Hex }): void {
    const { metrics } = this.modules;
    this.lastCommitAt = this.modules.now();
    this.heightSeen = block.header.height;
    if (this.stalledSince !== null) {
      this.modules.logger.info(
        { height: block.header.height, stalledMs: this.lastCommitAt - this.stalledSince },
        "committing again after a stall",
      );
      this.stalledSince = null;
      metrics.stalled.set(0);
    }
    metrics.pendingDepositClaims.set(this.modules.claims.size);
    metrics.mintedDeposits.inc(block.depositClaims.length);
    metrics.pendingEvidence.set(this.modules.evidence.pending);
    metrics.committedEvidence.inc(block.evidence.length);
    const prevTime = this.lastBlockTime;
    this.lastBlockTime = block.header.time;
    metrics.height.set(block.header.height);
    metrics.committedTxs.inc(block.txs.length);
    metrics.mempoolSize.set(this.modules.mempool.size);
    if (prevTime > 0) metrics.blockInterval.observe((block.header.time - prevTime) / 1000);
    this.modules.logger.info(
      {
        height: block.header.height,
        hash: blockHash,
        txs: block.txs.length,
        ...(block.depositClaims.length > 0 ? { deposits: block.depositClaims.length } : {}),
        proposer: block.header.proposer,
      },
      "committed block",
    );
  }

  /**
   * The standings too, not at every block: a node catching up commits a thousand blocks a second, and a scrape
   * reads these gauges every few seconds (reading every validator's stake, jail and missed votes per block was
   * about 1% of a catching-up node's work).
   */
  sample(): void {
    this.sampleStandings();
    this.modules.metrics.peers.set(this.modules.host.peerCount());
    this.modules.metrics.round.set(this.modules.consensus.round);
    const refused = this.modules.admission.refused;
    this.modules.metrics.busyRefusedTxs.inc(refused - this.refusedSeen);
    this.refusedSeen = refused;
    this.checkStall();
  }

  /** One warning when no new height came for the alarm time (the watchdog in sync/ acts; this one tells). */
  private checkStall(): void {
    const now = this.modules.now();
    const since = now - this.lastCommitAt;
    this.modules.metrics.secondsSinceBlock.set(Math.floor(since / 1000));
    if (since < this.opts.stallAlarmMs || this.stalledSince !== null) return;
    this.stalledSince = this.lastCommitAt;
    this.modules.metrics.stalled.set(1);
    this.modules.logger.warn(
      { height: this.heightSeen, seconds: Math.floor(since / 1000) },
      `no new block for ${Math.floor(since / 1000)} s`,
    );
  }
}
