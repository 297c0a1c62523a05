import { MempoolError } from "./errors.ts";
import type { AddResult, Mempool, TxOrigin } from "./mempool.ts";

export interface TxAdmissionOptions {
  /** Transactions waiting for their check at most; a node that is that far behind refuses more. */
  maxQueued: number;
  /**
   * The longest a transaction should wait for its check, judged from the rate at which this node has been getting
   * through its queue (other work included): beyond it, refused as when the queue is full. A count alone cannot
   * say this, since the rate moves with the machine's load by an order of magnitude.
   */
  maxWaitMs: number;
  /** Checks run back to back for at most this long before the node takes its other work (votes, proposals). */
  sliceMs: number;
}

/** Enough to ride out a burst; short enough that an answer never waits behind seconds of queued work. */
export const DEFAULT_TX_ADMISSION: TxAdmissionOptions = { maxQueued: 4_096, maxWaitMs: 1_000, sliceMs: 5 };

/** How much each drained slice moves the measured rate: about the last twenty slices count. */
const RATE_SMOOTHING = 0.05;

export interface TxAdmissionModules {
  mempool: Pick<Mempool, "add">;
  /** Lets the event loop run I/O and timers (default: the next setImmediate turn). */
  yieldNow?: () => Promise<void>;
  /** A monotonic clock in ms (default performance.now). */
  elapsed?: () => number;
}

interface Job {
  raw: Uint8Array;
  origin: TxOrigin;
  resolve(result: AddResult): void;
  reject(err: unknown): void;
}

/**
 * The one door into the mempool for transactions from RPC and gossip. Checking a transaction (decoding, sender
 * recovery, state reads) is the node's costliest per-transaction work, and under a flood it would fill the event
 * loop so that votes and proposals wait behind it and rounds time out: the chain stops exactly when it is needed.
 * So checks wait in a bounded queue and run in short slices with the event loop served between them, and what does
 * not fit is refused at once, which costs nothing: an RPC client hears "txpool is busy" and retries, a peer's batch
 * is ignored and comes again with re-gossip (as Lodestar's gossip queues drop what they cannot process in time).
 */
export class TxAdmission {
  private queue: (Job | undefined)[] = [];
  private head = 0;
  private draining = false;
  private refusedCount = 0;
  /** Checks done per ms of wall time while draining, yields included; null until measured. */
  private ratePerMs: number | null = null;
  private readonly yieldNow: () => Promise<void>;
  private readonly elapsed: () => number;

  constructor(
    private readonly opts: TxAdmissionOptions,
    private readonly modules: TxAdmissionModules,
  ) {
    for (const key of ["maxQueued", "maxWaitMs", "sliceMs"] as const) {
      if (!(opts[key] > 0))
        throw new RangeError(`tx admission option ${key} must be positive, got ${opts[key]}`);
    }
    this.yieldNow = modules.yieldNow ?? nextTurn;
    this.elapsed = modules.elapsed ?? (() => performance.now());
  }

  /** Transactions waiting for their check. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Transactions refused because the queue was full, since start. */
  get refused(): number {
    return this.refusedCount;
  }

  /** How long a transaction queued now would wait for its check, by the measured rate (0 while unmeasured). */
  get expectedWaitMs(): number {
    return this.ratePerMs === null ? 0 : this.queued / this.ratePerMs;
  }

  private hasRoomFor(count: number): boolean {
    if (this.queued === 0) return true;
    if (this.queued + count > this.opts.maxQueued) return false;
    return this.ratePerMs === null || (this.queued + count) / this.ratePerMs <= this.opts.maxWaitMs;
  }

  /**
   * One transaction (from RPC), settled as Mempool.add would: its AddResult, or a MempoolError; "busy" at once when
   * the queue is full.
   */
  admit(raw: Uint8Array, origin: TxOrigin): Promise<AddResult> {
    if (!this.hasRoomFor(1)) {
      this.refusedCount++;
      return Promise.reject(busy(this.queued));
    }
    return this.enqueue(raw, origin);
  }

  /**
   * A batch (from a peer): every transaction's outcome, or null when the batch does not fit. Taken whole or not at
   * all, so a batch is either judged or left for its next re-gossip; an empty queue takes any batch.
   */
  admitBatch(
    raws: readonly Uint8Array[],
    origin: TxOrigin,
  ): Promise<PromiseSettledResult<AddResult>[]> | null {
    if (!this.hasRoomFor(raws.length)) {
      this.refusedCount += raws.length;
      return null;
    }
    return Promise.allSettled(raws.map((raw) => this.enqueue(raw, origin)));
  }

  private enqueue(raw: Uint8Array, origin: TxOrigin): Promise<AddResult> {
    return new Promise<AddResult>((resolve, reject) => {
      this.queue.push({ raw, origin, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        void this.drain();
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queued > 0) {
      const turnStart = this.elapsed();
      // A turn first, so I/O that arrived with these jobs (a vote, a proposal) is served before the checks.
      await this.yieldNow();
      const sliceEnd = this.elapsed() + this.opts.sliceMs;
      let checked = 0;
      while (this.queued > 0 && this.elapsed() < sliceEnd) {
        this.check(this.take());
        checked++;
      }
      this.measure(checked, this.elapsed() - turnStart);
      // Drops the settled prefix now and then: an array shift per job would be O(n) each.
      if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    }
    this.draining = false;
  }

  private measure(checked: number, turnMs: number): void {
    if (checked === 0 || !(turnMs > 0)) return;
    const sample = checked / turnMs;
    this.ratePerMs =
      this.ratePerMs === null ? sample : this.ratePerMs + (sample - this.ratePerMs) * RATE_SMOOTHING;
  }

  private take(): Job {
    const job = this.queue[this.head] as Job;
    this.queue[this.head] = undefined;
    this.head++;
    return job;
  }

  private check(job: Job): void {
    try {
      job.resolve(this.modules.mempool.add(job.raw, job.origin));
    } catch (err) {
      job.reject(err);
    }
  }
}

function busy(queued: number): MempoolError {
  return new MempoolError(
    "busy",
    `txpool is busy: ${queued} transactions are waiting for their check; retry in a moment`,
  );
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
