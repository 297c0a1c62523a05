import { type AppTx, type CheckTxResult, effectiveGasPrice, upfrontCost } from "../app/index.ts";
import { type Address, type Hex, keccak256Hex } from "../crypto/index.ts";
import { type DroppedTx, DroppedTxs, type DropReason } from "./dropped.ts";
import { fromAppError, MempoolError } from "./errors.ts";
import { Heap } from "./heap.ts";
import { replacementProblem } from "./replacement.ts";
import { TailHeap } from "./tailHeap.ts";

export interface MempoolOptions {
  /** Transactions held in total; beyond it the lowest-priced evictable one goes. */
  maxTxs: number;
  /** Raw bytes held in total (default: no cap beyond maxTxs of maxTxBytes each); beyond it, as for maxTxs. */
  maxBytes?: number;
  /** Transactions held per sender; also how far ahead of the account nonce a nonce may be. */
  maxPerSender: number;
  maxTxBytes: number;
  /** A replacement (same sender and nonce) must raise its fee cap and its tip by this much, in percent (geth: 10). */
  priceBumpPercent: number;
  /** The chain's constant base fee, for effective gas prices. */
  baseFee: bigint;
  /**
   * How long a transaction may wait behind a nonce gap of its sender before it is dropped as expired (default
   * 3 h, geth's txpool.lifetime): a gap that never closes would otherwise hold it, and its sender's slots, forever.
   */
  queuedLifetimeMs?: number;
  /** Dropped transactions remembered with their reason (default 16,384). */
  maxDroppedRecords?: number;
}

export interface MempoolModules {
  /** The app's checkTx against committed state; `hash` is keccak256(raw), computed once per admission. */
  checkTx(raw: Uint8Array, hash: Hex): CheckTxResult;
  /** Committed nonce and native balance, from the application's read-only query view. */
  account(address: Address): { nonce: bigint; balance: bigint };
  /** The clock of dropped records (default Date.now). */
  now?: () => number;
  /** A monotonic clock in ms that times checkTx (default performance.now). */
  elapsed?: () => number;
}

/** A transaction waiting in the pool. */
export interface PendingTx extends AppTx {
  /** Effective gas price under the constant base fee: the pool's priority. */
  price: bigint;
  /** Arrival order, the tie-breaker among equal prices (first come, first served). */
  seq: number;
  /** When the pool took it (the pool's clock, ms). */
  addedAt: number;
}

/** Where a transaction came from: this node's RPC, or a peer's gossip (which its sender relays already). */
export type TxOrigin = "local" | "peer";

export interface AddResult {
  hash: Hex;
  /** The same-nonce transaction this one replaced. */
  replaced: Hex | null;
  /** A transaction evicted to make room (the first one, if the byte cap took several). */
  evicted: Hex | null;
}

export interface UpdateResult {
  /** Committed transactions that were in the pool. */
  removed: Hex[];
  /** Transactions the new state made invalid (stale nonce, funds no longer enough). */
  dropped: Hex[];
}

/**
 * Where a transaction stands in the pool: pending (includable now: no nonce gap below it), queued (waiting for a
 * lower nonce of its sender), or dropped with the reason; null when the pool never held it or forgot it.
 */
export type PoolTxStatus =
  | { status: "pending" | "queued" }
  | { status: "dropped"; reason: DropReason; message: string; at: number };

export interface Mempool {
  /**
   * Checks and admits a raw transaction, or throws MempoolError. Listeners hear about it before this returns.
   * `origin` defaults to local.
   */
  add(raw: Uint8Array, origin?: TxOrigin): AddResult;
  /**
   * Transactions for a block: per sender in nonce order from the account nonce without gaps, across senders by
   * price (then arrival). A sender whose next transaction does not fit in maxBytes contributes nothing further.
   */
  reap(maxBytes: number, maxCount: number): PendingTx[];
  /** After a commit: drops the committed transactions, then re-checks the rest against the new state. */
  update(committedTxHashes: Iterable<Hex>): UpdateResult;
  readonly size: number;
  /** Total raw bytes held. */
  readonly bytes: number;
  /**
   * What checking one transaction costs on this node, in ms (a moving average; sender recovery dominates it):
   * what a validator that lacks a block's transactions pays for each of them.
   */
  readonly checkCostMs: number;
  has(hash: Hex): boolean;
  get(hash: Hex): PendingTx | undefined;
  status(hash: Hex): PoolTxStatus | null;
  /** The nonce a new transaction of `address` should use: the account nonce plus its gapless run in the pool. */
  pendingNonce(address: Address): bigint;
  /** Every held transaction, each sender's in nonce order (what re-gossip walks). */
  inNonceOrder(): Generator<PendingTx>;
  /** Called for every newly accepted transaction (replacements included): the node gossips it. */
  onAdded(listener: (tx: PendingTx, origin: TxOrigin) => void): () => void;
  /** Called for every accepted transaction that leaves the pool uncommitted, with why. */
  onDropped(listener: (dropped: DroppedTx) => void): () => void;
}

interface SenderQueue {
  txs: Map<bigint, PendingTx>;
  /** The highest nonce held: the only one that can be evicted without stranding others. */
  tail: PendingTx;
  /** Some nonce between the account nonce and the tail is missing: the tail cannot be included yet. */
  gapped: boolean;
  /** The tails last pushed into the eviction heaps, so an unchanged tail is not pushed again. */
  heaped: PendingTx | null;
  gappedHeaped: PendingTx | null;
}

const DEFAULT_DROPPED_RECORDS = 16_384;
const DEFAULT_QUEUED_LIFETIME_MS = 3 * 60 * 60 * 1000;
/** Checks the cost average spans, roughly. */
const CHECK_COST_WINDOW = 100;

export function createMempool(opts: MempoolOptions, modules: MempoolModules): Mempool {
  for (const key of ["maxTxs", "maxPerSender", "maxTxBytes", "priceBumpPercent"] as const) {
    if (!Number.isSafeInteger(opts[key]) || opts[key] < (key === "priceBumpPercent" ? 0 : 1)) {
      throw new RangeError(`mempool option ${key} must be a positive integer, got ${opts[key]}`);
    }
  }
  const maxBytes = opts.maxBytes ?? opts.maxTxs * opts.maxTxBytes;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < opts.maxTxBytes) {
    throw new RangeError(
      `mempool option maxBytes must be an integer of at least maxTxBytes, got ${maxBytes}`,
    );
  }
  const now = modules.now ?? Date.now;
  const queuedLifetimeMs = opts.queuedLifetimeMs ?? DEFAULT_QUEUED_LIFETIME_MS;
  const elapsed = modules.elapsed ?? (() => performance.now());
  let checkCostMs = 0;
  let checks = 0;
  const byHash = new Map<Hex, PendingTx>();
  const bySender = new Map<Address, SenderQueue>();
  const dropped = new DroppedTxs(opts.maxDroppedRecords ?? DEFAULT_DROPPED_RECORDS);
  const addedListeners = new Set<(tx: PendingTx, origin: TxOrigin) => void>();
  const droppedListeners = new Set<(d: DroppedTx) => void>();
  let gappedSenders = 0;
  let seq = 0;
  let bytes = 0;

  const tails = function* (gappedOnly: boolean): Generator<PendingTx> {
    for (const queue of bySender.values()) if (!gappedOnly || queue.gapped) yield queue.tail;
  };
  const allTails = new TailHeap<PendingTx>(
    (tx) => bySender.get(tx.from)?.tail === tx,
    () => tails(false),
    () => bySender.size,
  );
  // Transactions behind a nonce gap go first when the pool is full: no block can include them until it closes.
  const gappedTails = new TailHeap<PendingTx>(
    (tx) => {
      const queue = bySender.get(tx.from);
      return queue?.tail === tx && queue.gapped;
    },
    () => tails(true),
    () => gappedSenders,
  );

  /** The first nonce at or above the account's that the sender has no transaction for. */
  function firstMissing(queue: SenderQueue | undefined, accountNonce: bigint): bigint {
    let n = accountNonce;
    while (queue?.txs.has(n)) n++;
    return n;
  }

  /** Re-derives the sender's tail and gap after a change, and offers a new tail to the eviction heaps. */
  function refresh(sender: Address, accountNonce: bigint): void {
    const queue = bySender.get(sender);
    if (queue === undefined) return;
    const wasGapped = queue.gapped;
    queue.gapped = firstMissing(queue, accountNonce) <= queue.tail.nonce;
    if (queue.gapped !== wasGapped) gappedSenders += queue.gapped ? 1 : -1;
    if (queue.heaped !== queue.tail) {
      queue.heaped = queue.tail;
      allTails.push(queue.tail);
    }
    if (queue.gapped && queue.gappedHeaped !== queue.tail) {
      queue.gappedHeaped = queue.tail;
      gappedTails.push(queue.tail);
    }
    if (!queue.gapped) queue.gappedHeaped = null;
  }

  function insert(tx: PendingTx): void {
    byHash.set(tx.hash, tx);
    dropped.forget(tx.hash);
    const queue = bySender.get(tx.from);
    if (queue === undefined) {
      bySender.set(tx.from, {
        txs: new Map([[tx.nonce, tx]]),
        tail: tx,
        gapped: false,
        heaped: null,
        gappedHeaped: null,
      });
    } else {
      queue.txs.set(tx.nonce, tx);
      if (tx.nonce >= queue.tail.nonce) queue.tail = tx;
    }
    bytes += tx.raw.length;
  }

  function remove(tx: PendingTx): void {
    byHash.delete(tx.hash);
    bytes -= tx.raw.length;
    const queue = bySender.get(tx.from);
    if (queue === undefined) return;
    queue.txs.delete(tx.nonce);
    if (queue.txs.size === 0) {
      if (queue.gapped) gappedSenders--;
      bySender.delete(tx.from);
      return;
    }
    if (queue.tail === tx) {
      let last: PendingTx | undefined;
      for (const t of queue.txs.values()) if (last === undefined || t.nonce > last.nonce) last = t;
      queue.tail = last as PendingTx;
    }
  }

  function drop(tx: PendingTx, reason: DropReason, message: string): void {
    remove(tx);
    const entry: DroppedTx = { hash: tx.hash, reason, message, at: now() };
    dropped.record(entry);
    for (const listener of droppedListeners) listener(entry);
  }

  /**
   * The transaction to evict for `incoming`: a tail behind a nonce gap first (any price, when the incoming one is
   * includable; a cheaper one otherwise), then the cheapest includable tail, cheaper than the incoming one. Never
   * the incoming sender's tail when the incoming nonce sits above it: evicting it would strand the incoming one.
   */
  function evictionCandidate(incoming: PendingTx, incomingIncludable: boolean): PendingTx | undefined {
    const notBelowIncoming = (tx: PendingTx) => !(tx.from === incoming.from && incoming.nonce > tx.nonce);
    const gapped = gappedTails.take(
      notBelowIncoming,
      (tx) => !incomingIncludable && tx.price >= incoming.price,
    );
    if (gapped !== undefined || !incomingIncludable) return gapped;
    return allTails.take(notBelowIncoming, (tx) => tx.price >= incoming.price);
  }

  function makeRoom(tx: PendingTx, accountNonce: bigint): Hex | null {
    let first: Hex | null = null;
    const includable = tx.nonce <= firstMissing(bySender.get(tx.from), accountNonce);
    while (byHash.size + 1 > opts.maxTxs || bytes + tx.raw.length > maxBytes) {
      const victim = evictionCandidate(tx, includable);
      if (victim === undefined) {
        throw new MempoolError("pool-full", "txpool is full: transaction underpriced for a full pool");
      }
      drop(victim, "evicted", `evicted from a full pool by ${tx.hash} (price ${tx.price})`);
      refresh(victim.from, modules.account(victim.from).nonce);
      first ??= victim.hash;
    }
    return first;
  }

  function notify(tx: PendingTx, origin: TxOrigin): void {
    for (const listener of addedListeners) listener(tx, origin);
  }

  return {
    add(raw, origin = "local") {
      if (raw.length > opts.maxTxBytes) {
        throw new MempoolError("too-large", `oversized data: ${raw.length} bytes, limit ${opts.maxTxBytes}`);
      }
      const hash = keccak256Hex(raw);
      if (byHash.has(hash)) throw new MempoolError("already-known", "already known");
      const started = elapsed();
      const checked = modules.checkTx(raw, hash);
      const cost = elapsed() - started;
      // The first checks set the average; later ones move it slowly, so one stall does not swing it.
      checks++;
      checkCostMs += (cost - checkCostMs) / Math.min(checks, CHECK_COST_WINDOW);
      if (!checked.ok) throw fromAppError(checked.error.code, checked.error.message);
      const tx: PendingTx = {
        ...checked.tx,
        price: effectiveGasPrice(checked.tx, opts.baseFee),
        seq: seq++,
        addedAt: now(),
      };

      const existing = bySender.get(tx.from)?.txs.get(tx.nonce);
      if (existing !== undefined) {
        const problem = replacementProblem(existing, tx, opts.priceBumpPercent);
        if (problem !== null) throw new MempoolError("replacement-underpriced", problem);
        drop(existing, "replaced", `replaced by ${tx.hash} (same sender and nonce, price ${tx.price})`);
        insert(tx);
        refresh(tx.from, modules.account(tx.from).nonce);
        notify(tx, origin);
        return { hash, replaced: existing.hash, evicted: null };
      }

      if ((bySender.get(tx.from)?.txs.size ?? 0) >= opts.maxPerSender) {
        throw new MempoolError(
          "sender-limit",
          `account limit exceeded: ${opts.maxPerSender} transactions of ${tx.from} pending`,
        );
      }
      // A nonce beyond the sender's window could never be reaped before the window fills, so it is not held.
      const accountNonce = modules.account(tx.from).nonce;
      if (tx.nonce >= accountNonce + BigInt(opts.maxPerSender)) {
        throw new MempoolError(
          "nonce-too-high",
          `nonce too high: ${tx.nonce}, account nonce ${accountNonce}, at most ${opts.maxPerSender - 1} ahead`,
        );
      }
      const evicted = makeRoom(tx, accountNonce);
      insert(tx);
      refresh(tx.from, accountNonce);
      notify(tx, origin);
      return { hash, replaced: null, evicted };
    },

    reap(maxBytes, maxCount) {
      interface Run {
        txs: PendingTx[];
        next: number;
      }
      const head = (r: Run) => r.txs[r.next] as PendingTx;
      const heap = new Heap<Run>((a, b) => {
        const x = head(a);
        const y = head(b);
        return x.price !== y.price ? x.price > y.price : x.seq < y.seq;
      });
      for (const [sender, queue] of bySender) {
        const txs: PendingTx[] = [];
        for (let n = modules.account(sender).nonce; queue.txs.has(n); n++)
          txs.push(queue.txs.get(n) as PendingTx);
        if (txs.length > 0) heap.push({ txs, next: 0 });
      }
      const out: PendingTx[] = [];
      let used = 0;
      while (out.length < maxCount) {
        const run = heap.pop();
        if (run === undefined) break;
        const tx = head(run);
        // Skipping this one would open a nonce gap for the sender's later ones, so the whole run stops here.
        if (used + tx.raw.length > maxBytes) continue;
        out.push(tx);
        used += tx.raw.length;
        run.next++;
        if (run.next < run.txs.length) heap.push(run);
      }
      return out;
    },

    update(committedTxHashes) {
      const removed: Hex[] = [];
      for (const hash of committedTxHashes) {
        const tx = byHash.get(hash);
        if (tx !== undefined) {
          remove(tx);
          removed.push(hash);
        }
      }
      // Only the state-dependent checks can change with a block; the signature and fields were checked on entry.
      // This walks senders with state lookups only (no decoding or recovery), so it stays cheap for a full pool.
      const droppedNow: Hex[] = [];
      const expiredBefore = now() - queuedLifetimeMs;
      for (const [sender, queue] of [...bySender]) {
        const account = modules.account(sender);
        // Behind a gap: above the first nonce at or over the account's that the sender has no transaction for.
        const missing = firstMissing(queue, account.nonce);
        for (const tx of [...queue.txs.values()]) {
          if (tx.nonce < account.nonce) {
            drop(tx, "nonce-used", `nonce ${tx.nonce} was used by a committed transaction of ${sender}`);
            droppedNow.push(tx.hash);
          } else if (upfrontCost(tx) > account.balance) {
            drop(
              tx,
              "insufficient-funds",
              `insufficient funds: ${sender} has ${account.balance}, the transaction needs ${upfrontCost(tx)}`,
            );
            droppedNow.push(tx.hash);
          } else if (tx.nonce > missing && tx.addedAt < expiredBefore) {
            drop(
              tx,
              "expired",
              `expired: waited over ${Math.round(queuedLifetimeMs / 60_000)} min behind the missing nonce ${missing} of ${sender}`,
            );
            droppedNow.push(tx.hash);
          }
        }
        refresh(sender, account.nonce);
      }
      return { removed, dropped: droppedNow };
    },

    get size() {
      return byHash.size;
    },
    get bytes() {
      return bytes;
    },
    get checkCostMs() {
      return checkCostMs;
    },
    has: (hash) => byHash.has(hash),
    get: (hash) => byHash.get(hash),
    status(hash) {
      const tx = byHash.get(hash);
      if (tx !== undefined) {
        const missing = firstMissing(bySender.get(tx.from), modules.account(tx.from).nonce);
        return { status: tx.nonce < missing ? "pending" : "queued" };
      }
      const entry = dropped.get(hash);
      return entry === undefined
        ? null
        : { status: "dropped", reason: entry.reason, message: entry.message, at: entry.at };
    },
    pendingNonce(address) {
      return firstMissing(bySender.get(address), modules.account(address).nonce);
    },
    *inNonceOrder() {
      for (const queue of [...bySender.values()]) {
        yield* [...queue.txs.values()].sort((a, b) => (a.nonce < b.nonce ? -1 : 1));
      }
    },
    onAdded(listener) {
      addedListeners.add(listener);
      return () => addedListeners.delete(listener);
    },
    onDropped(listener) {
      droppedListeners.add(listener);
      return () => droppedListeners.delete(listener);
    },
  };
}
