import { type AppTx, type CheckTxResult, effectiveGasPrice, upfrontCost } from "../app/index.ts";
import { type Address, type Hex, keccak256Hex } from "../crypto/index.ts";
import { fromAppError, MempoolError } from "./errors.ts";
import { Heap } from "./heap.ts";

export interface MempoolOptions {
  /** Transactions held in total; beyond it the lowest-priced evictable one goes. */
  maxTxs: number;
  /** Transactions held per sender; also how far ahead of the account nonce a nonce may be. */
  maxPerSender: number;
  maxTxBytes: number;
  /** A replacement (same sender and nonce) must pay at least this much more, in percent (geth: 10). */
  priceBumpPercent: number;
  /** The chain's constant base fee, for effective gas prices. */
  baseFee: bigint;
}

export interface MempoolModules {
  /** The app's checkTx against committed state. */
  checkTx(raw: Uint8Array): CheckTxResult;
  /** Committed nonce and native balance, from the application's read-only query view. */
  account(address: Address): { nonce: bigint; balance: bigint };
}

/** A transaction waiting in the pool. */
export interface PendingTx extends AppTx {
  /** Effective gas price under the constant base fee: the pool's priority. */
  price: bigint;
  /** Arrival order, the tie-breaker among equal prices (first come, first served). */
  seq: number;
}

export interface AddResult {
  hash: Hex;
  /** The same-nonce transaction this one replaced. */
  replaced: Hex | null;
  /** A transaction evicted to make room. */
  evicted: Hex | null;
}

export interface UpdateResult {
  /** Committed transactions that were in the pool. */
  removed: Hex[];
  /** Transactions the new state made invalid (stale nonce, funds no longer enough). */
  dropped: Hex[];
}

export interface Mempool {
  /** Checks and admits a raw transaction, or throws MempoolError. Listeners hear about it before this returns. */
  add(raw: Uint8Array): AddResult;
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
  has(hash: Hex): boolean;
  get(hash: Hex): PendingTx | undefined;
  /** The nonce a new transaction of `address` should use: the account nonce plus its gapless run in the pool. */
  pendingNonce(address: Address): bigint;
  /** Called for every newly accepted transaction (replacements included): the node gossips it. */
  onAdded(listener: (tx: PendingTx) => void): () => void;
}

export function createMempool(opts: MempoolOptions, modules: MempoolModules): Mempool {
  for (const key of ["maxTxs", "maxPerSender", "maxTxBytes", "priceBumpPercent"] as const) {
    if (!Number.isSafeInteger(opts[key]) || opts[key] < (key === "priceBumpPercent" ? 0 : 1)) {
      throw new RangeError(`mempool option ${key} must be a positive integer, got ${opts[key]}`);
    }
  }
  const byHash = new Map<Hex, PendingTx>();
  const bySender = new Map<Address, Map<bigint, PendingTx>>();
  const listeners = new Set<(tx: PendingTx) => void>();
  let seq = 0;
  let bytes = 0;

  function insert(tx: PendingTx): void {
    byHash.set(tx.hash, tx);
    let queue = bySender.get(tx.from);
    if (queue === undefined) {
      queue = new Map();
      bySender.set(tx.from, queue);
    }
    queue.set(tx.nonce, tx);
    bytes += tx.raw.length;
  }

  function remove(tx: PendingTx): void {
    byHash.delete(tx.hash);
    const queue = bySender.get(tx.from);
    queue?.delete(tx.nonce);
    if (queue?.size === 0) bySender.delete(tx.from);
    bytes -= tx.raw.length;
  }

  function tail(queue: Map<bigint, PendingTx>): PendingTx | undefined {
    let last: PendingTx | undefined;
    for (const tx of queue.values()) if (last === undefined || tx.nonce > last.nonce) last = tx;
    return last;
  }

  /**
   * The cheapest transaction that can go without stranding others: only the highest nonce of a sender, and not
   * the incoming sender's highest if the incoming one would sit above it. Ties: the newest goes first.
   */
  function evictionCandidate(incoming: PendingTx): PendingTx | undefined {
    let victim: PendingTx | undefined;
    for (const [sender, queue] of bySender) {
      const last = tail(queue);
      if (last === undefined) continue;
      if (sender === incoming.from && incoming.nonce > last.nonce) continue;
      if (
        victim === undefined ||
        last.price < victim.price ||
        (last.price === victim.price && last.seq > victim.seq)
      ) {
        victim = last;
      }
    }
    return victim;
  }

  function notify(tx: PendingTx): void {
    for (const listener of listeners) listener(tx);
  }

  return {
    add(raw) {
      if (raw.length > opts.maxTxBytes) {
        throw new MempoolError("too-large", `oversized data: ${raw.length} bytes, limit ${opts.maxTxBytes}`);
      }
      const hash = keccak256Hex(raw);
      if (byHash.has(hash)) throw new MempoolError("already-known", "already known");
      const checked = modules.checkTx(raw);
      if (!checked.ok) throw fromAppError(checked.error.code, checked.error.message);
      const tx: PendingTx = { ...checked.tx, price: effectiveGasPrice(checked.tx, opts.baseFee), seq: seq++ };

      const existing = bySender.get(tx.from)?.get(tx.nonce);
      if (existing !== undefined) {
        const bump = BigInt(100 + opts.priceBumpPercent);
        if (!(tx.price > existing.price && tx.price * 100n >= existing.price * bump)) {
          throw new MempoolError(
            "replacement-underpriced",
            `replacement transaction underpriced: ${tx.price} does not beat ${existing.price} by ${opts.priceBumpPercent}%`,
          );
        }
        remove(existing);
        insert(tx);
        notify(tx);
        return { hash, replaced: existing.hash, evicted: null };
      }

      if ((bySender.get(tx.from)?.size ?? 0) >= opts.maxPerSender) {
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
      let evicted: Hex | null = null;
      if (byHash.size >= opts.maxTxs) {
        const victim = evictionCandidate(tx);
        if (victim === undefined || victim.price >= tx.price) {
          throw new MempoolError("pool-full", "txpool is full: transaction underpriced for a full pool");
        }
        remove(victim);
        evicted = victim.hash;
      }
      insert(tx);
      notify(tx);
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
        for (let n = modules.account(sender).nonce; queue.has(n); n++) txs.push(queue.get(n) as PendingTx);
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
      const dropped: Hex[] = [];
      for (const [sender, queue] of [...bySender]) {
        const account = modules.account(sender);
        for (const tx of [...queue.values()]) {
          if (tx.nonce < account.nonce || upfrontCost(tx) > account.balance) {
            remove(tx);
            dropped.push(tx.hash);
          }
        }
      }
      return { removed, dropped };
    },

    get size() {
      return byHash.size;
    },
    get bytes() {
      return bytes;
    },
    has: (hash) => byHash.has(hash),
    get: (hash) => byHash.get(hash),
    pendingNonce(address) {
      let n = modules.account(address).nonce;
      const queue = bySender.get(address);
      while (queue?.has(n)) n++;
      return n;
    },
    onAdded(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
