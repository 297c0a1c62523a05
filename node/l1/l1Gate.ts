import { type Hex, ZERO_HASH } from "../crypto/index.ts";
import { ConcurrencyGate, GateFullError } from "../util/concurrencyGate.ts";
import { type CheckpointSubmission, type L1Reader, L1UnavailableError } from "./l1Reader.ts";

export interface L1GateOptions {
  /** Blocks behind latest that count as final; 0 means the `finalized` tag (genesis l1.confirmations). */
  confirmations: number;
  /** How long a learnt L1 head is used before L1 is asked again. */
  headTtlMs: number;
  /** L1 requests in flight at most. */
  maxInFlight: number;
  /** Requests waiting for a free slot at most; beyond that a caller gets L1UnavailableError("L1 busy"). */
  maxQueued: number;
  /** Deposit verdicts (by nonce) kept at most. */
  maxCachedVerdicts: number;
}

export const DEFAULT_L1_GATE: Omit<L1GateOptions, "confirmations"> = {
  headTtlMs: 1_000,
  maxInFlight: 4,
  maxQueued: 64,
  maxCachedVerdicts: 10_000,
};

export interface L1GateModules {
  reader: L1Reader;
  now?: () => number;
  /** Told of each caller refused because the queue was full (for the node's metrics). */
  onBusy?: () => void;
}

/** What L1 said at one confirmed block: a non-zero hash is final; ZERO_HASH holds only while that block does. */
interface Verdict {
  block: number;
  hash: Hex;
}

/**
 * A value read from L1 at most once per `ttlMs`, by one request that every caller in the meantime joins. A failure
 * is kept as long as a value would be, so a dead L1 is not asked again by every caller.
 */
class SharedRead<T> {
  private last: { at: number; result: { value: T } | { error: unknown } } | null = null;
  private flight: Promise<T> | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly read: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    const last = this.last;
    if (last !== null && this.now() - last.at < this.ttlMs) {
      return "value" in last.result ? Promise.resolve(last.result.value) : Promise.reject(last.result.error);
    }
    this.flight ??= this.read().then(
      (value) => {
        this.last = { at: this.now(), result: { value } };
        this.flight = null;
        return value;
      },
      (error: unknown) => {
        this.last = { at: this.now(), result: { error } };
        this.flight = null;
        throw error;
      },
    );
    return this.flight;
  }
}

/**
 * The one way from the node to L1, so the work a stranger's request causes there is bounded: the L1 head is learnt
 * at most once per `headTtlMs`, a deposit hash is read at most once per nonce per confirmed L1 block (identical
 * lookups join one request), and at most `maxInFlight` requests run at once with a bounded queue behind them.
 */
export class L1Gate implements L1Reader {
  private readonly slots: ConcurrencyGate;
  private readonly latest: SharedRead<number>;
  private readonly finalized: SharedRead<number>;
  private readonly verdicts = new Map<bigint, Verdict>();
  private readonly lookups = new Map<string, Promise<Hex>>();
  /** The confirmed block the unconfirmed verdicts were last pruned at. */
  private prunedAt = -1;

  constructor(
    private readonly opts: L1GateOptions,
    private readonly modules: L1GateModules,
  ) {
    const now = modules.now ?? Date.now;
    const { reader } = modules;
    this.slots = new ConcurrencyGate({ maxRunning: opts.maxInFlight, maxWaiting: opts.maxQueued });
    this.latest = new SharedRead(opts.headTtlMs, now, () => this.limited(() => reader.latestBlock()));
    this.finalized = new SharedRead(opts.headTtlMs, now, () => this.limited(() => reader.confirmedBlock()));
  }

  latestBlock(): Promise<number> {
    return this.latest.get();
  }

  async confirmedBlock(): Promise<number> {
    // With a depth the confirmed block follows from the latest one, so both share one eth_blockNumber.
    if (this.opts.confirmations === 0) return this.finalized.get();
    return Math.max(0, (await this.latest.get()) - this.opts.confirmations);
  }

  async confirmedDepositHash(nonce: bigint): Promise<Hex> {
    const known = this.verdicts.get(nonce);
    if (known !== undefined && known.hash !== ZERO_HASH) return known.hash;
    const block = await this.confirmedBlock();
    this.pruneUnconfirmed(block);
    const verdict = this.verdicts.get(nonce);
    if (verdict !== undefined && (verdict.hash !== ZERO_HASH || verdict.block === block)) return verdict.hash;
    const key = `${nonce}@${block}`;
    let lookup = this.lookups.get(key);
    if (lookup === undefined) {
      lookup = this.depositHashAt(nonce, block)
        .then((hash) => {
          this.remember(nonce, { block, hash });
          return hash;
        })
        .finally(() => this.lookups.delete(key));
      this.lookups.set(key, lookup);
    }
    return lookup;
  }

  depositHashAt(nonce: bigint, block: number): Promise<Hex> {
    return this.limited(() => this.modules.reader.depositHashAt(nonce, block));
  }

  checkpointSubmissions(from: number, to: number): Promise<CheckpointSubmission[]> {
    return this.limited(() => this.modules.reader.checkpointSubmissions(from, to));
  }

  close(): void {
    this.modules.reader.close();
  }

  /** Deposits not final at an older block may be final now: those verdicts go once a new block is confirmed. */
  /** Runs an L1 request in one of the gate's slots; a full queue is refused as L1 being unavailable now. */
  private async limited<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.slots.run(call);
    } catch (err) {
      if (!(err instanceof GateFullError)) throw err;
      this.modules.onBusy?.();
      throw new L1UnavailableError("L1 busy");
    }
  }

  private pruneUnconfirmed(block: number): void {
    if (block === this.prunedAt) return;
    this.prunedAt = block;
    for (const [nonce, verdict] of this.verdicts)
      if (verdict.hash === ZERO_HASH && verdict.block !== block) this.verdicts.delete(nonce);
  }

  private remember(nonce: bigint, verdict: Verdict): void {
    const known = this.verdicts.get(nonce);
    // A slower lookup at an older block must not replace what a newer one learnt.
    if (known !== undefined && (known.hash !== ZERO_HASH || known.block > verdict.block)) return;
    this.verdicts.delete(nonce);
    if (this.verdicts.size >= this.opts.maxCachedVerdicts)
      this.verdicts.delete(this.verdicts.keys().next().value as bigint);
    this.verdicts.set(nonce, verdict);
  }
}
