import { bytesToHex, concatBytes } from "../crypto/index.ts";
import { errorMessage } from "../util/errors.ts";
import type { Bucket } from "./buckets.ts";
import type { Codec } from "./codecs.ts";
import type { BatchOp, Database, KeyRange, WriteOptions } from "./db.ts";
import { StorageError } from "./errors.ts";

export interface RepositoryOptions<K, V> {
  bucket: Bucket;
  /** Names the bucket in error messages. */
  name: string;
  key: Codec<K>;
  value: Codec<V>;
  /** How a key reads in error messages; defaults to the key's hex. */
  describeKey?: (key: K) => string;
}

/** Typed bounds inside one bucket; without bounds a range is the whole bucket. */
export interface RepositoryRange<K> {
  gt?: K;
  gte?: K;
  lt?: K;
  lte?: K;
  /** Raw key bytes (after the bucket byte) every returned key starts with; exclusive with the bounds. */
  prefix?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}

export interface Entry<K, V> {
  key: K;
  value: V;
}

/** The smallest byte string greater than every string starting with `prefix`, or null if there is none. */
export function prefixUpperBound(prefix: Uint8Array): Uint8Array | null {
  const out = Uint8Array.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if ((out[i] ?? 0) < 0xff) {
      out[i] = (out[i] ?? 0) + 1;
      return out.subarray(0, i + 1);
    }
  }
  return null;
}

/**
 * A typed view of one bucket (Lodestar's Repository): keys are `bucket ‖ key.encode(k)`, values
 * `value.encode(v)`. Encoding failures are StorageError "invalid-input"; stored bytes that fail to decode are
 * "corrupt", naming the bucket and key, so a damaged database is reported rather than crashing the caller.
 */
export class Repository<K, V> {
  readonly bucket: Bucket;
  readonly name: string;
  readonly #db: Database;
  readonly #key: Codec<K>;
  readonly #value: Codec<V>;
  readonly #describeKey: ((key: K) => string) | undefined;
  readonly #prefix: Uint8Array;

  constructor(opts: RepositoryOptions<K, V>, modules: { db: Database }) {
    this.bucket = opts.bucket;
    this.name = opts.name;
    this.#db = modules.db;
    this.#key = opts.key;
    this.#value = opts.value;
    this.#describeKey = opts.describeKey;
    this.#prefix = Uint8Array.of(opts.bucket);
  }

  encodeKey(key: K): Uint8Array {
    try {
      return concatBytes(this.#prefix, this.#key.encode(key));
    } catch (err) {
      throw new StorageError("invalid-input", `${this.name}: bad key: ${errorMessage(err)}`, { cause: err });
    }
  }

  decodeKey(raw: Uint8Array): K {
    try {
      if (raw[0] !== this.bucket) throw new Error(`key is not in bucket ${this.bucket}`);
      return this.#key.decode(raw.subarray(1));
    } catch (err) {
      throw new StorageError(
        "corrupt",
        `${this.name}: stored key ${bytesToHex(raw)} does not decode: ${errorMessage(err)}`,
        {
          cause: err,
        },
      );
    }
  }

  encodeValue(value: V, key?: K): Uint8Array {
    try {
      return this.#value.encode(value);
    } catch (err) {
      throw new StorageError("invalid-input", `${this.#where(key)}: bad value: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  decodeValue(bytes: Uint8Array, key?: K): V {
    try {
      return this.#value.decode(bytes);
    } catch (err) {
      throw new StorageError(
        "corrupt",
        `${this.#where(key)}: stored value (${bytes.length} bytes) does not decode: ${errorMessage(err)}`,
        { cause: err },
      );
    }
  }

  async getOrNull(key: K): Promise<V | null> {
    const bytes = await this.#db.get(this.encodeKey(key));
    return bytes === null ? null : this.decodeValue(bytes, key);
  }

  /** Like getOrNull, but an absent key is StorageError "not-found". */
  async get(key: K): Promise<V> {
    const value = await this.getOrNull(key);
    if (value === null) throw new StorageError("not-found", `${this.#where(key)}: not found`);
    return value;
  }

  async getBinary(key: K): Promise<Uint8Array | null> {
    return this.#db.get(this.encodeKey(key));
  }

  async has(key: K): Promise<boolean> {
    return (await this.#db.get(this.encodeKey(key))) !== null;
  }

  async put(key: K, value: V, options?: WriteOptions): Promise<void> {
    await this.#db.put(this.encodeKey(key), this.encodeValue(value, key), options);
  }

  async delete(key: K, options?: WriteOptions): Promise<void> {
    await this.#db.delete(this.encodeKey(key), options);
  }

  /** An encoded put for Database.batch; encodes now, so a bad value fails before anything is written. */
  putOp(key: K, value: V): BatchOp {
    return { type: "put", key: this.encodeKey(key), value: this.encodeValue(value, key) };
  }

  putBinaryOp(key: K, value: Uint8Array): BatchOp {
    return { type: "put", key: this.encodeKey(key), value };
  }

  deleteOp(key: K): BatchOp {
    return { type: "del", key: this.encodeKey(key) };
  }

  async batchPut(items: readonly Entry<K, V>[], options?: WriteOptions): Promise<void> {
    await this.#db.batch(
      items.map((item) => this.putOp(item.key, item.value)),
      options,
    );
  }

  async batchDelete(keys: readonly K[], options?: WriteOptions): Promise<void> {
    await this.#db.batch(
      keys.map((key) => this.deleteOp(key)),
      options,
    );
  }

  async *entries(range: RepositoryRange<K> = {}): AsyncIterable<Entry<K, V>> {
    for await (const [rawKey, rawValue] of this.#db.entries(this.#keyRange(range))) {
      const key = this.decodeKey(rawKey);
      yield { key, value: this.decodeValue(rawValue, key) };
    }
  }

  async *binaryEntries(range: RepositoryRange<K> = {}): AsyncIterable<Entry<K, Uint8Array>> {
    for await (const [rawKey, rawValue] of this.#db.entries(this.#keyRange(range))) {
      yield { key: this.decodeKey(rawKey), value: rawValue };
    }
  }

  async *keys(range: RepositoryRange<K> = {}): AsyncIterable<K> {
    for await (const rawKey of this.#db.keys(this.#keyRange(range))) yield this.decodeKey(rawKey);
  }

  async *values(range: RepositoryRange<K> = {}): AsyncIterable<V> {
    for await (const entry of this.entries(range)) yield entry.value;
  }

  async entriesArray(range: RepositoryRange<K> = {}): Promise<Entry<K, V>[]> {
    const out: Entry<K, V>[] = [];
    for await (const entry of this.entries(range)) out.push(entry);
    return out;
  }

  /** Raw delete ops for every key in the range (for folding a range clear into a larger atomic batch). */
  async deleteOpsInRange(range: RepositoryRange<K>): Promise<BatchOp[]> {
    const ops: BatchOp[] = [];
    for await (const rawKey of this.#db.keys(this.#keyRange(range))) ops.push({ type: "del", key: rawKey });
    return ops;
  }

  async firstEntry(range: RepositoryRange<K> = {}): Promise<Entry<K, V> | null> {
    for await (const entry of this.entries({ ...range, reverse: false, limit: 1 })) return entry;
    return null;
  }

  async lastEntry(range: RepositoryRange<K> = {}): Promise<Entry<K, V> | null> {
    for await (const entry of this.entries({ ...range, reverse: true, limit: 1 })) return entry;
    return null;
  }

  #where(key: K | undefined): string {
    if (key === undefined) return this.name;
    let described: string;
    try {
      described = this.#describeKey ? this.#describeKey(key) : bytesToHex(this.#key.encode(key));
    } catch {
      described = "(unprintable key)";
    }
    return `${this.name} ${described}`;
  }

  /** Typed bounds to raw bounds, clamped to this bucket so a range never leaks into the next one. */
  #keyRange(range: RepositoryRange<K>): KeyRange {
    const hasBounds = [range.gt, range.gte, range.lt, range.lte].some((b) => b !== undefined);
    if (range.prefix !== undefined && hasBounds) {
      throw new StorageError("invalid-input", `${this.name}: a range takes a prefix or bounds, not both`);
    }
    const base = range.prefix === undefined ? this.#prefix : concatBytes(this.#prefix, range.prefix);
    const out: KeyRange = {};
    if (range.gt !== undefined) out.gt = this.encodeKey(range.gt);
    else if (range.gte !== undefined) out.gte = this.encodeKey(range.gte);
    else out.gte = base;
    if (range.lt !== undefined) out.lt = this.encodeKey(range.lt);
    else if (range.lte !== undefined) out.lte = this.encodeKey(range.lte);
    else {
      const upper = prefixUpperBound(base);
      if (upper !== null) out.lt = upper;
    }
    if (range.reverse !== undefined) out.reverse = range.reverse;
    if (range.limit !== undefined) out.limit = range.limit;
    return out;
  }
}
