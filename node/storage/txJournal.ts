import type { Hex } from "../crypto/index.ts";
import { Bucket } from "./buckets.ts";
import { bytesCodec, hashCodec } from "./codecs.ts";
import type { Database } from "./db.ts";
import { Repository } from "./repository.ts";

/**
 * The transactions this node accepted over RPC, by hash, until a block includes them or the pool lets them go.
 * Writes are not fsynced, as geth's local-transaction journal is not: the OS keeps a killed process's writes,
 * and an fsync per transaction would cap the RPC's rate at the disk's.
 */
export class TxJournalStore {
  readonly #repo: Repository<Hex, Uint8Array>;

  constructor(modules: { db: Database }) {
    this.#repo = new Repository(
      { bucket: Bucket.txJournal, name: "txJournal", key: hashCodec, value: bytesCodec },
      modules,
    );
  }

  put(hash: Hex, raw: Uint8Array): Promise<void> {
    return this.#repo.put(hash, raw);
  }

  delete(hashes: readonly Hex[]): Promise<void> {
    return this.#repo.batchDelete(hashes);
  }

  async all(): Promise<{ hash: Hex; raw: Uint8Array }[]> {
    return (await this.#repo.entriesArray()).map(({ key, value }) => ({ hash: key, raw: value }));
  }
}
