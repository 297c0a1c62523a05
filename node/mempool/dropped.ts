import type { Hex } from "../crypto/index.ts";
import { TX_DROP_REASONS } from "../types/rpc/txStatus.ts";

/**
 * Why a transaction the pool had accepted left it without being committed (declared once, with the RPC answer
 * that reports it):
 * - evicted: the pool was full and a better-paying (or includable) transaction took its place;
 * - replaced: a transaction with the same sender and nonce paying more took its place;
 * - nonce-used: a committed transaction used its nonce;
 * - insufficient-funds: the committed state no longer covers its value and fees;
 * - expired: it waited behind a nonce gap of its sender for longer than the pool keeps such transactions.
 */
export type DropReason = (typeof TX_DROP_REASONS)[number];

export const DROP_REASONS: readonly DropReason[] = TX_DROP_REASONS;

export interface DroppedTx {
  hash: Hex;
  reason: DropReason;
  /** For the sender: what happened, in words (the replacing transaction, the nonce that was used...). */
  message: string;
  /** When it left the pool (ms since the epoch, the pool's clock). */
  at: number;
}

/**
 * The last transactions the pool dropped, by hash, so a sender asking about one gets a reason instead of
 * silence. Oldest first out; a hash accepted again is forgotten here.
 */
export class DroppedTxs {
  readonly #entries = new Map<Hex, DroppedTx>();
  readonly #capacity: number;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`dropped-tx capacity must be a positive integer, got ${capacity}`);
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  record(entry: DroppedTx): void {
    this.#entries.delete(entry.hash);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(entry.hash, entry);
  }

  get(hash: Hex): DroppedTx | undefined {
    return this.#entries.get(hash);
  }

  forget(hash: Hex): void {
    this.#entries.delete(hash);
  }
}
