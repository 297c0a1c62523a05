import { ClassicLevel, type Iterator, type KeyIterator } from "classic-level";
import { errorMessage } from "../util/errors.ts";
import { StorageError } from "./errors.ts";

export { Bucket } from "./buckets.ts";
export { StorageError } from "./errors.ts";

export type BatchOp = { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array };

export interface WriteOptions {
  /** fsync before resolving: the write survives a power loss, not only a process crash. */
  sync?: boolean;
}

/** Raw key bounds (whole keys, bucket prefix included). */
export interface KeyRange {
  gt?: Uint8Array;
  gte?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}

type Level = ClassicLevel<Uint8Array, Uint8Array>;

interface LevelErrorShape {
  code?: unknown;
  cause?: { code?: unknown; message?: unknown };
}

/** Translates classic-level's errors into StorageError codes, keeping the original as the cause. */
function toStorageError(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  const e = (err ?? {}) as LevelErrorShape;
  if (e.cause?.code === "LEVEL_LOCKED" || e.code === "LEVEL_LOCKED") {
    return new StorageError("locked", `${what}: the database is in use by another process`, { cause: err });
  }
  // A failed open names its reason only in the cause: "Corruption: checksum mismatch" is what an operator needs.
  if (e.cause?.code === "LEVEL_CORRUPTION") {
    return new StorageError("corrupt", `${what}: the database is damaged (${String(e.cause.message)})`, {
      cause: err,
    });
  }
  if (e.code === "LEVEL_DATABASE_NOT_OPEN") {
    return new StorageError("closed", `${what}: the database is not open`, { cause: err });
  }
  return new StorageError("io", `${what}: ${errorMessage(err)}`, { cause: err });
}

// classic-level's "view" encoding stores a number or string as its text, silently; refuse anything but bytes.
function checkBytes(value: unknown, what: string): void {
  if (!(value instanceof Uint8Array)) {
    throw new StorageError("invalid-input", `${what}: expected a Uint8Array, got ${typeof value}`);
  }
}

/** classic-level hands out Buffers; callers get plain Uint8Array views (no copy) so comparisons stay exact. */
function view(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The one classic-level database of a node, keys and values as Uint8Array. Every method throws StorageError
 * only; typed access goes through Repository.
 */
export class Database {
  readonly #level: Level;

  constructor(level: Level) {
    this.#level = level;
  }

  get location(): string {
    return this.#level.location;
  }

  get isOpen(): boolean {
    return this.#level.status === "open";
  }

  async get(key: Uint8Array): Promise<Uint8Array | null> {
    try {
      const value = await this.#level.get(key);
      return value === undefined ? null : view(value);
    } catch (err) {
      throw toStorageError(err, "get");
    }
  }

  /** As get, but now: LevelDB reads its memtable and block cache without leaving the thread. */
  getSync(key: Uint8Array): Uint8Array | null {
    try {
      const value = this.#level.getSync(key);
      return value === undefined ? null : view(value);
    } catch (err) {
      throw toStorageError(err, "get");
    }
  }

  /** Many keys in one call, read on the thread pool; null for each absent key. */
  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | null)[]> {
    if (keys.length === 0) return [];
    try {
      const values = await this.#level.getMany([...keys]);
      return values.map((value) => (value === undefined ? null : view(value)));
    } catch (err) {
      throw toStorageError(err, "getMany");
    }
  }

  async put(key: Uint8Array, value: Uint8Array, options: WriteOptions = {}): Promise<void> {
    checkBytes(key, "put key");
    checkBytes(value, "put value");
    try {
      await this.#level.put(key, value, { sync: options.sync === true });
    } catch (err) {
      throw toStorageError(err, "put");
    }
  }

  async delete(key: Uint8Array, options: WriteOptions = {}): Promise<void> {
    try {
      await this.#level.del(key, { sync: options.sync === true });
    } catch (err) {
      throw toStorageError(err, "delete");
    }
  }

  /** All operations land together or none do: LevelDB writes a batch as one log record. */
  async batch(ops: readonly BatchOp[], options: WriteOptions = {}): Promise<void> {
    if (ops.length === 0) return;
    for (const [i, op] of ops.entries()) {
      checkBytes(op.key, `batch op ${i} key`);
      if (op.type === "put") checkBytes(op.value, `batch op ${i} value`);
    }
    try {
      await this.#level.batch([...ops], { sync: options.sync === true });
    } catch (err) {
      throw toStorageError(err, "batch");
    }
  }

  async *entries(range: KeyRange): AsyncIterable<[Uint8Array, Uint8Array]> {
    let iterator: Iterator<Level, Uint8Array, Uint8Array>;
    try {
      iterator = this.#level.iterator<Uint8Array, Uint8Array>(range);
    } catch (err) {
      throw toStorageError(err, "iterate");
    }
    try {
      while (true) {
        let entry: [Uint8Array, Uint8Array] | undefined;
        try {
          entry = await iterator.next();
        } catch (err) {
          throw toStorageError(err, "iterate");
        }
        if (entry === undefined) return;
        yield [view(entry[0]), view(entry[1])];
      }
    } finally {
      await iterator.close().catch(() => undefined);
    }
  }

  async *keys(range: KeyRange): AsyncIterable<Uint8Array> {
    let iterator: KeyIterator<Level, Uint8Array>;
    try {
      iterator = this.#level.keys<Uint8Array>(range);
    } catch (err) {
      throw toStorageError(err, "iterate keys");
    }
    try {
      while (true) {
        let key: Uint8Array | undefined;
        try {
          key = await iterator.next();
        } catch (err) {
          throw toStorageError(err, "iterate keys");
        }
        if (key === undefined) return;
        yield view(key);
      }
    } finally {
      await iterator.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.#level.status === "closed") return;
    try {
      await this.#level.close();
    } catch (err) {
      throw toStorageError(err, "close");
    }
  }
}

/** Opens (creating if missing) the node's database at `path`; StorageError "locked" if another process has it. */
export async function openDatabase(path: string): Promise<Database> {
  const level: Level = new ClassicLevel<Uint8Array, Uint8Array>(path, {
    keyEncoding: "view",
    valueEncoding: "view",
  });
  try {
    await level.open({ createIfMissing: true });
  } catch (err) {
    throw toStorageError(err, `open ${path}`);
  }
  return new Database(level);
}
