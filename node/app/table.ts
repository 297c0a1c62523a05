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
  /** The undo maps of live pinned views: each keeps the value a key had when its view was taken. */
  readonly #pins = new Set<Map<string, V | undefined>>();

  constructor(parent: TableLayer<V> | null = null) {
    this.#parent = parent;
  }

  get(key: string): V | undefined {
    const own = this.#own.get(key);
    if (own !== undefined) return own ?? undefined;
    return this.#parent?.get(key);
  }

  set(key: string, value: V): void {
    if (this.#pins.size > 0) this.#retain(key);
    this.#own.set(key, value);
  }

  delete(key: string): void {
    if (this.#pins.size > 0) this.#retain(key);
    if (this.#parent === null) this.#own.delete(key);
    else this.#own.set(key, null);
  }

  child(): Table<V> {
    return new Table(this);
  }

  /**
   * A read-only view of this table as it is now, which later writes do not change: a write first saves the
   * value it replaces into each live view. Long reads (an eth_call that lets the event loop turn) see one state
   * while blocks commit; release() the view when done, or it keeps collecting.
   */
  pin(): PinnedTable<V> {
    const undo = new Map<string, V | undefined>();
    this.#pins.add(undo);
    return new PinnedTable(this, undo, () => this.#pins.delete(undo));
  }

  #retain(key: string): void {
    const before = this.get(key);
    for (const undo of this.#pins) if (!undo.has(key)) undo.set(key, before);
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

/** A table as it was when pinned (Table.pin). Writing to it is a bug: overlays over it never merge. */
export class PinnedTable<V> implements TableLayer<V> {
  constructor(
    private readonly table: Table<V>,
    private readonly undo: ReadonlyMap<string, V | undefined>,
    readonly release: () => void,
  ) {}

  get(key: string): V | undefined {
    return this.undo.has(key) ? this.undo.get(key) : this.table.get(key);
  }

  set(): void {
    throw new Error("a pinned table is read-only");
  }

  delete(): void {
    throw new Error("a pinned table is read-only");
  }

  entries(): [string, V][] {
    const merged = new Map(this.table.entries());
    for (const [key, value] of this.undo) {
      if (value === undefined) merged.delete(key);
      else merged.set(key, value);
    }
    return [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
