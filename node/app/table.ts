/**
 * What an overlay reads through and merges into: another Table, or the store-backed root of a large table
 * (storedTable.ts). `entries` is absent on a layer that cannot list itself without reading the whole database.
 */
export interface TableLayer<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): void;
  entries?(): [string, V][];
}

/**
 * A copy-on-write key/value table. The committed state is a root table; executing a block works on a child
 * overlay (and each transaction on a grandchild), so a proposal that is not committed, or a call that fails, is
 * dropped by forgetting its overlay. Values are treated as immutable: writers always set a new value.
 */
export class Table<V> implements TableLayer<V> {
  readonly #parent: TableLayer<V> | null;
  /** In an overlay, null marks a deletion that hides the parent's value. */
  readonly #own = new Map<string, V | null>();

  constructor(parent: TableLayer<V> | null = null) {
    this.#parent = parent;
  }

  get(key: string): V | undefined {
    const own = this.#own.get(key);
    if (own !== undefined) return own ?? undefined;
    return this.#parent?.get(key);
  }

  set(key: string, value: V): void {
    this.#own.set(key, value);
  }

  delete(key: string): void {
    if (this.#parent === null) this.#own.delete(key);
    else this.#own.set(key, null);
  }

  child(): Table<V> {
    return new Table(this);
  }

  /** Applies this overlay's changes to its parent. */
  mergeIntoParent(): void {
    const parent = this.#parent;
    if (parent === null) throw new Error("a root table has no parent to merge into");
    for (const [key, value] of this.#own) {
      if (value === null) parent.delete(key);
      else parent.set(key, value);
    }
    this.#own.clear();
  }

  /** This overlay's own changes (for a root table: all its entries), null meaning deleted. */
  changes(): IterableIterator<[string, V | null]> {
    return this.#own.entries();
  }

  /** The merged view of every level, sorted by key so callers iterate deterministically. */
  entries(): [string, V][] {
    const parent = this.#parent;
    if (parent !== null && parent.entries === undefined) {
      throw new Error("this table is read from the store and cannot be listed in memory");
    }
    const merged = new Map<string, V>(parent?.entries?.());
    for (const [key, value] of this.#own) {
      if (value === null) merged.delete(key);
      else merged.set(key, value);
    }
    return [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
