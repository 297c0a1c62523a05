import type { Hex } from "../crypto/index.ts";
import { errorMessage } from "../util/errors.ts";
import type { TxAdmission } from "./admission.ts";
import type { DroppedTx } from "./dropped.ts";
import type { AddResult, TxOrigin } from "./mempool.ts";

/** Where journaled transactions are kept (node/storage's TxJournalStore). */
export interface JournalStore {
  put(hash: Hex, raw: Uint8Array): Promise<void>;
  delete(hashes: readonly Hex[]): Promise<void>;
  all(): Promise<{ hash: Hex; raw: Uint8Array }[]>;
}

export interface LocalTxJournalModules {
  store: JournalStore;
  admission: Pick<TxAdmission, "admit">;
  mempool: { onDropped(listener: (dropped: DroppedTx) => void): () => void };
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * geth's journal of local transactions: what this node's RPC accepted is kept on disk until a block includes it
 * or the pool drops it, and re-admitted when the node starts, so a crash of every node loses no transaction a
 * user was told was accepted. Peers' transactions are not journaled: their senders' nodes keep them.
 */
export class LocalTxJournal {
  /** Hashes journaled and not yet removed, so a block's other transactions cost no deletes. */
  private readonly held = new Set<Hex>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly modules: LocalTxJournalModules) {}

  start(): void {
    this.unsubscribe = this.modules.mempool.onDropped((d) => this.forget([d.hash]));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** The RPC's door: it answers only once the accepted transaction is on disk. */
  async admit(raw: Uint8Array, origin: TxOrigin): Promise<AddResult> {
    const result = await this.modules.admission.admit(raw, origin);
    if (origin === "local") {
      await this.modules.store.put(result.hash, raw);
      this.held.add(result.hash);
      if (result.replaced !== null) this.forget([result.replaced]);
    }
    return result;
  }

  /** After a commit: the block's transactions are the chain's to keep now. */
  included(hashes: readonly Hex[]): void {
    this.forget(hashes);
  }

  /**
   * At start-up, before RPC serves: every journaled transaction enters the pool again; one the pool refuses (a
   * block included it before the crash, its nonce was used) leaves the journal.
   */
  async replay(): Promise<{ restored: number; discarded: number }> {
    const entries = await this.modules.store.all();
    const discarded: Hex[] = [];
    for (const { hash, raw } of entries) {
      try {
        await this.modules.admission.admit(raw, "local");
        this.held.add(hash);
      } catch {
        discarded.push(hash);
      }
    }
    if (discarded.length > 0) await this.modules.store.delete(discarded);
    const counts = { restored: entries.length - discarded.length, discarded: discarded.length };
    if (entries.length > 0) this.modules.logger.info(counts, "journaled transactions re-admitted");
    return counts;
  }

  private forget(hashes: readonly Hex[]): void {
    const present = hashes.filter((h) => this.held.delete(h));
    if (present.length === 0) return;
    this.modules.store
      .delete(present)
      .catch((err: unknown) =>
        this.modules.logger.warn({ err: errorMessage(err) }, "could not update the transaction journal"),
      );
  }
}
