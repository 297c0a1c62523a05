import { LruCache } from "./lru.ts";
import { decodeStateValue, stateKey, type TableCodec } from "./stateCodec.ts";
import type { StateReader } from "./stateReader.ts";
import type { TableLayer } from "./table.ts";

/**
 * The bounded cache the stored tables share: committed values by table and key, null meaning absent (so a
 * missing account is not read again). `generation` moves on at every commit, so a prefetch that read before the
 * commit cannot insert what the commit replaced.
 */
export class StateCache {
  readonly entries: LruCache<string, unknown>;
  #generation = 0;

  constructor(capacity: number) {
    this.entries = new LruCache(capacity);
  }

  get generation(): number {
    return this.#generation;
  }

  /** Called once a block's writes are in the store and in this cache. */
  committed(): void {
    this.#generation++;
  }
}

/**
 * The committed root of a table too large to hold: reads go through the shared cache to the store, writes (a
 * committed block merging in, after the store has written that block) go to the cache only.
 */
export class StoredTable<V> implements TableLayer<V> {
  readonly #codec: TableCodec<V>;
  readonly #reader: StateReader;
  readonly #cache: StateCache;
  readonly #tag: string;

  constructor(codec: TableCodec<V>, modules: { reader: StateReader; cache: StateCache }) {
    this.#codec = codec;
    this.#reader = modules.reader;
    this.#cache = modules.cache;
    this.#tag = `${codec.prefix}/`;
  }

  get(key: string): V | undefined {
    const cached = this.#cache.entries.get(this.#tag + key) as V | null | undefined;
    if (cached !== undefined) return cached ?? undefined;
    // A miss reads now rather than failing "not prefetched": a key prefetch missed costs time, never consensus.
    const bytes = this.#reader.getSync(stateKey(this.#codec, key));
    const value = bytes === null ? null : decodeStateValue(this.#codec, key, bytes);
    this.#cache.entries.set(this.#tag + key, value);
    return value ?? undefined;
  }

  set(key: string, value: V): void {
    this.#cache.entries.set(this.#tag + key, value);
  }

  delete(key: string): void {
    this.#cache.entries.set(this.#tag + key, null);
  }

  /** Reads the keys the cache lacks in one batch, so the synchronous reads that follow hit the cache. */
  async prefetch(keys: Iterable<string>): Promise<void> {
    const missing: string[] = [];
    const keyBytes: Uint8Array[] = [];
    for (const key of new Set(keys)) {
      if (this.#cache.entries.has(this.#tag + key)) continue;
      const bytes = encodableKey(this.#codec, key);
      if (bytes === null) continue;
      missing.push(key);
      keyBytes.push(bytes);
    }
    if (missing.length === 0) return;
    const generation = this.#cache.generation;
    const values = await this.#reader.getMany(keyBytes);
    // A commit since the read may have changed these keys; dropping the batch only costs a later read.
    if (this.#cache.generation !== generation) return;
    missing.forEach((key, i) => {
      if (this.#cache.entries.has(this.#tag + key)) return;
      const bytes = values[i] ?? null;
      this.#cache.entries.set(
        this.#tag + key,
        bytes === null ? null : decodeStateValue(this.#codec, key, bytes),
      );
    });
  }
}

/** Prefetch keys come from calldata that execution has not checked yet; one that cannot be a key is skipped. */
function encodableKey<V>(codec: TableCodec<V>, key: string): Uint8Array | null {
  try {
    return stateKey(codec, key);
  } catch {
    return null;
  }
}
