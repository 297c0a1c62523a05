import { Heap } from "./heap.ts";

/** What the eviction order needs of a pooled transaction. */
export interface Evictable {
  price: bigint;
  seq: number;
}

/** The eviction order: the lowest price first; among equal prices the newest arrival. */
export function evictsBefore(a: Evictable, b: Evictable): boolean {
  return a.price !== b.price ? a.price < b.price : a.seq > b.seq;
}

/**
 * A min-heap of the senders' highest-nonce transactions (the only ones that can go without stranding others),
 * in eviction order, with lazy deletion: a sender's tail is pushed again whenever it changes, an entry that is no
 * longer a live tail is dropped when it surfaces, and the heap is rebuilt from the live tails once stale entries
 * outnumber them. Finding a victim then costs O(log n) instead of a scan over every sender.
 */
export class TailHeap<T extends Evictable> {
  #heap = new Heap<T>(evictsBefore);

  constructor(
    /** Whether the entry is still a tail this heap should offer. */
    private readonly isLive: (tx: T) => boolean,
    /** Every live tail, for a rebuild. */
    private readonly liveTails: () => Iterable<T>,
    /** How many live tails there are. */
    private readonly liveCount: () => number,
  ) {}

  get size(): number {
    return this.#heap.size;
  }

  push(tx: T): void {
    this.#heap.push(tx);
    if (this.#heap.size > 2 * this.liveCount() + 64) this.rebuild();
  }

  /**
   * Takes out the first live tail in eviction order that `eligible` accepts; ineligible live ones are kept.
   * `stop` ends the search early: once it holds for a tail, no later one can qualify (they are all dearer).
   */
  take(eligible: (tx: T) => boolean, stop: (tx: T) => boolean): T | undefined {
    const skipped: T[] = [];
    let found: T | undefined;
    for (;;) {
      const tx = this.#heap.pop();
      if (tx === undefined) break;
      if (!this.isLive(tx)) continue;
      if (stop(tx)) {
        skipped.push(tx);
        break;
      }
      if (eligible(tx)) {
        found = tx;
        break;
      }
      skipped.push(tx);
    }
    for (const tx of skipped) this.#heap.push(tx);
    return found;
  }

  private rebuild(): void {
    const heap = new Heap<T>(evictsBefore);
    for (const tx of this.liveTails()) heap.push(tx);
    this.#heap = heap;
  }
}
