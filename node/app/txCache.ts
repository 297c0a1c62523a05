import { type Hex, keccak256Hex } from "../crypto/index.ts";
import type { AppTx } from "./transaction.ts";

/**
 * Decoded transactions by hash. The mempool keeps checkTx's decoding for blocks that carry its transactions;
 * this covers the rest: a block's transaction that reaches the pool only afterwards (then refused for its nonce),
 * or one in two proposals of a height. Sender recovery is the dominant cost (~1 ms), and decoding is a pure
 * function of the bytes, so a cache cannot change any result. First-in first-out keeps it bounded without
 * bookkeeping on reads.
 */
export class TxCache {
  readonly #entries = new Map<Hex, AppTx>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** `hash` is keccak256(raw) when the caller has it already; `decode` is handed the same hash. */
  getOrDecode(
    raw: Uint8Array,
    decode: (raw: Uint8Array, hash: Hex) => AppTx,
    hash: Hex = keccak256Hex(raw),
  ): AppTx {
    const cached = this.#entries.get(hash);
    if (cached !== undefined) return cached;
    const tx = decode(raw, hash);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(hash, tx);
    return tx;
  }
}
