import type { Logger } from "pino";
import type { WithdrawalProof } from "../../node/types/rpc/index.ts";
import { SidechainRpcError } from "../sidechainRpc.ts";
import { L1RevertError, RelayerDataError } from "./errors.ts";
import type { L1Side } from "./l1.ts";
import type { RelayerMetrics } from "./metrics.ts";
import type { SidechainSide } from "./sidechain.ts";

/** outrigger_withdrawalProof's answer while a withdrawal is in no certified checkpoint yet. */
const NOT_CHECKPOINTED = -32000;

/** Bridge's refusals of an exit that no retry can change (the zero address or the bridge as recipient). */
const PERMANENT_REFUSALS: ReadonlySet<string> = new Set(["InvalidRecipient"]);

export interface ExitWorkerOptions {
  /** Withdrawals examined per tick at most, so the first scan after a restart is spread over ticks. */
  batchSize?: number;
  /** Wait before retrying an exit L1 refused (e.g. a recipient contract that rejects ETH). */
  stuckRetryMs?: number;
  /** L1 seconds before looking again at a queued exit the guardian froze. */
  frozenRecheckSeconds?: number;
  /** L1 seconds between looks for queued exits the limits have room for before their release time. */
  earlyCheckSeconds?: number;
  /** The relayer's own clock, for retry back-off only; tests pass a fake one. */
  now?: () => number;
}

export interface ExitWorkerModules {
  l1: Pick<
    L1Side,
    | "lastCheckpointNumber"
    | "exited"
    | "queuedExits"
    | "exit"
    | "releaseQueuedExit"
    | "releasable"
    | "latestTimestamp"
  >;
  sidechain: Pick<SidechainSide, "bridgeInfo" | "withdrawalProof">;
  metrics: RelayerMetrics;
  logger: Logger;
}

/**
 * Optional auto-exit: pays out every withdrawal whose checkpoint is on L1, for its recipient (anyone may call
 * Bridge.exit), and releases queued exits once their time has come (or earlier when the limits have room). L1's `exited` and `queuedExits` are the
 * record of what is done; the low-water mark and the maps below only save re-reading it and are rebuilt by a
 * scan from id 0 after a restart. A withdrawal whose exit L1 refuses is set aside and retried now and then, so
 * one recipient that cannot be paid never holds up everyone after it.
 */
export class ExitWorker {
  readonly name = "exits";
  private readonly batchSize: number;
  private readonly stuckRetryMs: number;
  private readonly frozenRecheckSeconds: number;
  private readonly earlyCheckSeconds: number;
  /** L1 time of the next look for early releases. */
  private nextEarlyCheck = 0;
  private readonly now: () => number;
  /** Every id below it is exited on L1 (paid, or queued and tracked in `queued`), or set aside in `stuck`. */
  private lowWater = 0n;
  /** Queued exits by id -> releaseAt (unix seconds). */
  private readonly queued = new Map<bigint, number>();
  /** Queued exits the guardian froze, by id -> when to try again (L1 unix seconds). */
  private readonly frozen = new Map<bigint, number>();
  /** Exits L1 refused, by id, with the time of the next attempt (ms, own clock). */
  private readonly stuck = new Map<bigint, { proof: WithdrawalProof; retryAt: number }>();

  constructor(
    opts: ExitWorkerOptions,
    private readonly modules: ExitWorkerModules,
  ) {
    this.batchSize = opts.batchSize ?? 128;
    this.stuckRetryMs = opts.stuckRetryMs ?? 60_000;
    this.frozenRecheckSeconds = opts.frozenRecheckSeconds ?? 3_600;
    this.earlyCheckSeconds = opts.earlyCheckSeconds ?? 60;
    this.now = opts.now ?? Date.now;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { l1, sidechain, metrics } = this.modules;
    const [info, lastCheckpoint] = await Promise.all([sidechain.bridgeInfo(), l1.lastCheckpointNumber()]);
    const end = info.nextWithdrawalId;
    try {
      await this.releaseDue(signal);
      await this.retryStuck(signal);
      for (
        let examined = 0;
        this.lowWater < end && examined < this.batchSize && !signal.aborted;
        examined++
      ) {
        if (!(await this.advance(this.lowWater, lastCheckpoint))) break;
        this.lowWater++;
      }
    } finally {
      const waiting = end > this.lowWater ? end - this.lowWater : 0n;
      metrics.pendingExits.set(Number(waiting) + this.queued.size + this.frozen.size + this.stuck.size);
    }
  }

  /** Handles withdrawal `id`; false when it cannot be exited yet, which holds for every later id too. */
  private async advance(id: bigint, lastCheckpoint: number): Promise<boolean> {
    const { l1, sidechain } = this.modules;
    if (await l1.exited(id)) {
      const queued = await l1.queuedExits(id);
      if (queued !== null) this.queued.set(id, queued.releaseAt);
      return true;
    }
    let proof: WithdrawalProof;
    try {
      proof = await sidechain.withdrawalProof(id);
    } catch (err) {
      // Ids follow heights, so the first one without a certified checkpoint ends the scan.
      if (err instanceof SidechainRpcError && err.code === NOT_CHECKPOINTED) return false;
      throw err;
    }
    if (proof.checkpointNumber > lastCheckpoint) return false;
    if (proof.withdrawal.id !== id) {
      throw new RelayerDataError(`asked for the proof of withdrawal ${id}, got ${proof.withdrawal.id}`);
    }
    await this.exit(proof);
    return true;
  }

  /** Exits it, or sets it aside if L1 refuses; throws only when L1 could not be asked (the tick is retried). */
  private async exit(proof: WithdrawalProof): Promise<void> {
    const { l1, metrics, logger } = this.modules;
    const { withdrawal, checkpointNumber } = proof;
    const id = withdrawal.id;
    try {
      const { txHash, gasUsed, queuedUntil } = await l1.exit(checkpointNumber, withdrawal, proof.proof);
      metrics.exits.inc();
      this.stuck.delete(id);
      if (queuedUntil !== null) this.queued.set(id, queuedUntil);
      logger.info(
        {
          id: id.toString(),
          checkpointNumber,
          recipient: withdrawal.l1Recipient,
          amount: withdrawal.amount.toString(),
          txHash,
          gas: gasUsed.toString(),
          queuedUntil,
        },
        queuedUntil === null ? "withdrawal exited" : "withdrawal exit queued by the bridge's limits",
      );
    } catch (err) {
      // A paused bridge refuses every exit alike: that is the tick failing, not this withdrawal.
      if (!(err instanceof L1RevertError) || err.reason === "EnforcedPause") throw err;
      // The recipient or another relayer may have exited it since we looked; L1 says whether that is so.
      if (await l1.exited(id)) {
        this.stuck.delete(id);
        const queued = await l1.queuedExits(id);
        if (queued !== null) this.queued.set(id, queued.releaseAt);
        logger.info({ id: id.toString() }, "withdrawal already exited by someone else");
        return;
      }
      if (err.reason !== null && PERMANENT_REFUSALS.has(err.reason)) {
        this.stuck.delete(id);
        metrics.errors.inc({ task: this.name });
        logger.error(
          { id: id.toString(), recipient: withdrawal.l1Recipient, reason: err.reason },
          "L1 can never pay this withdrawal's recipient; not retrying it",
        );
        return;
      }
      this.stuck.set(id, { proof, retryAt: this.now() + this.stuckRetryMs });
      metrics.errors.inc({ task: this.name });
      logger.warn(
        { id: id.toString(), reason: err.reason, err: err.message, retryInMs: this.stuckRetryMs },
        "L1 refused the exit; setting it aside",
      );
    }
  }

  private async retryStuck(signal: AbortSignal): Promise<void> {
    const now = this.now();
    const due = [...this.stuck].filter(([, s]) => s.retryAt <= now).sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [, { proof }] of due) {
      if (signal.aborted) return;
      await this.exit(proof);
    }
  }

  /**
   * Releases the queued exits that are due, and, at most every `earlyCheckSeconds` of L1 time, those the
   * Bridge's limits have room for again (Bridge.releasable), lowest ids first, so that a small exit pushed into
   * the queue by others using up the limit leaves as soon as it can. Frozen exits are only looked at again
   * after `frozenRecheckSeconds`.
   */
  private async releaseDue(signal: AbortSignal): Promise<void> {
    if (this.queued.size === 0 && this.frozen.size === 0) return;
    const { l1 } = this.modules;
    const now = await l1.latestTimestamp();
    for (const [id, recheckAt] of [...this.frozen]) {
      if (recheckAt > now) continue;
      this.frozen.delete(id);
      const queued = await l1.queuedExits(id);
      if (queued !== null) this.queued.set(id, queued.releaseAt);
    }
    const checkEarly = now >= this.nextEarlyCheck;
    if (checkEarly) this.nextEarlyCheck = now + this.earlyCheckSeconds;
    let earlyChecks = 0;
    const ids = [...this.queued].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [id, releaseAt] of ids) {
      if (signal.aborted) return;
      if (releaseAt > now) {
        if (!checkEarly || earlyChecks >= this.batchSize) continue;
        earlyChecks++;
        if (!(await l1.releasable(id))) continue;
      }
      await this.release(id, now);
    }
  }

  private async release(id: bigint, now: number): Promise<void> {
    const { l1, metrics, logger } = this.modules;
    // Anyone may release it; re-reading first avoids a transaction that would only revert.
    if ((await l1.queuedExits(id)) === null) {
      this.queued.delete(id);
      return;
    }
    try {
      const { txHash, gasUsed } = await l1.releaseQueuedExit(id);
      metrics.releases.inc();
      logger.info({ id: id.toString(), txHash, gas: gasUsed.toString() }, "queued exit released");
    } catch (err) {
      if (err instanceof L1RevertError && err.reason === "QueuedExitFrozen") {
        // The guardian froze it until the admin unfreezes or cancels it: look again later, not every tick.
        this.queued.delete(id);
        this.frozen.set(id, now + this.frozenRecheckSeconds);
        logger.warn({ id: id.toString() }, "queued exit is frozen by the bridge's guardian");
        return;
      }
      // An early release whose room someone else took first: it stays queued.
      if (err instanceof L1RevertError && err.reason === "ExitStillQueued") return;
      if (!(err instanceof L1RevertError) || (await l1.queuedExits(id)) !== null) throw err;
    }
    this.queued.delete(id);
  }
}
