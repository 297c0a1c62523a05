import { encodeTxBatch, packTxBatches } from "../types/wireMessages.ts";
import type { TopicName } from "./topics.ts";

/** A pooled transaction as gossip sees it: its bytes (the object identifies it while it stays in the pool). */
export interface GossipedTx {
  raw: Uint8Array;
}

export interface TxGossipOptions {
  /** How long transactions accepted locally gather before they go out as one batch. */
  batchDelayMs: number;
  /** How often held transactions are considered for gossiping again. */
  regossipMs: number;
  /** A held transaction is gossiped again after this long, then after twice as long, and so on. */
  regossipAfterMs: number;
  /** The longest wait between two re-gossips of one transaction. */
  maxRegossipIntervalMs: number;
  /** Transactions re-gossiped per round at most, so a large pool is walked over several rounds. */
  maxRegossipPerRound: number;
}

export const DEFAULT_TX_GOSSIP: TxGossipOptions = {
  batchDelayMs: 50,
  regossipMs: 2_000,
  regossipAfterMs: 3_000,
  maxRegossipIntervalMs: 60_000,
  maxRegossipPerRound: 1_024,
};

export interface TxGossipModules {
  /** The pool's transactions, each sender's in nonce order (lowest first: those unblock the rest). */
  held(): Iterable<GossipedTx>;
  publish(topic: TopicName, data: Uint8Array): void;
  now(): number;
}

interface GossipRecord {
  /** When it may be gossiped again. */
  dueAt: number;
  /** The wait after that. */
  intervalMs: number;
}

/**
 * Sends this node's transactions to its peers so every proposer can include what any node accepted.
 * - A transaction accepted by this node's RPC goes out at once when nothing is waiting (one "tx" message, as
 *   before); under load the ones that follow gather for batchDelayMs and go out as "txs" batches.
 * - Everything sent again goes as a batch: a batch is a new message each time, where the same "tx" message
 *   would be dropped as a duplicate by peers that saw it once.
 * - Transactions a peer sent are not sent back out: gossipsub forwards the message that carried them.
 * - Every held transaction is gossiped again with a growing interval while no block takes it, as a batch. A
 *   peer may have missed it (its pool was full, its validation queue overloaded, it was offline), and without
 *   it that peer cannot include the transaction, nor any later nonce of its sender, when it proposes.
 */
export class TxGossip {
  private queue: Uint8Array[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private regossipTimer: ReturnType<typeof setInterval> | null = null;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private readonly records = new WeakMap<GossipedTx, GossipRecord>();
  /** Batches are told apart by id; a random start keeps a restarted node's batches new to its peers. */
  private nextBatchId = BigInt(Math.floor(Math.random() * 2 ** 48));

  constructor(
    private readonly opts: TxGossipOptions,
    private readonly modules: TxGossipModules,
  ) {}

  start(): void {
    this.regossipTimer = setInterval(() => this.regossip(), this.opts.regossipMs);
    this.regossipTimer.unref?.();
  }

  stop(): void {
    if (this.regossipTimer !== null) clearInterval(this.regossipTimer);
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.regossipTimer = null;
    this.flushTimer = null;
    this.queue = [];
  }

  /** A transaction this node accepted from its own RPC. */
  local(tx: GossipedTx): void {
    const now = this.modules.now();
    this.records.set(tx, { dueAt: now + this.opts.regossipAfterMs, intervalMs: this.opts.regossipAfterMs });
    if (
      this.queue.length === 0 &&
      this.flushTimer === null &&
      now - this.lastSentAt >= this.opts.batchDelayMs
    ) {
      this.lastSentAt = now;
      this.modules.publish("tx", tx.raw);
      return;
    }
    this.queue.push(tx.raw);
    if (this.flushTimer === null) {
      this.flushTimer = setTimeout(() => this.flush(), this.opts.batchDelayMs);
      this.flushTimer.unref?.();
    }
  }

  /** A transaction a peer sent: it is due for re-gossip like the others, but is not sent out now. */
  fromPeer(tx: GossipedTx): void {
    const now = this.modules.now();
    this.records.set(tx, { dueAt: now + this.opts.regossipAfterMs, intervalMs: this.opts.regossipAfterMs });
  }

  /** Sends what gathered since the last send. */
  flush(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const raws = this.queue;
    this.queue = [];
    if (raws.length > 0) this.lastSentAt = this.modules.now();
    this.send(raws);
  }

  /** One re-gossip round: the held transactions that are due, lowest nonces first, up to the round's cap. */
  regossip(): number {
    const now = this.modules.now();
    const due: Uint8Array[] = [];
    for (const tx of this.modules.held()) {
      if (due.length >= this.opts.maxRegossipPerRound) break;
      let record = this.records.get(tx);
      if (record === undefined) {
        record = { dueAt: now + this.opts.regossipAfterMs, intervalMs: this.opts.regossipAfterMs };
        this.records.set(tx, record);
        continue;
      }
      if (record.dueAt > now) continue;
      due.push(tx.raw);
      record.intervalMs = Math.min(record.intervalMs * 2, this.opts.maxRegossipIntervalMs);
      record.dueAt = now + record.intervalMs;
    }
    this.send(due);
    return due.length;
  }

  private send(raws: Uint8Array[]): void {
    for (const batch of packTxBatches(raws)) {
      const id = this.nextBatchId;
      this.nextBatchId = (this.nextBatchId + 1n) % 2n ** 64n;
      this.modules.publish("txs", encodeTxBatch({ id, raws: batch }));
    }
  }
}
