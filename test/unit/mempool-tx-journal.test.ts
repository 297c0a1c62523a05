import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Hex } from "../../node/crypto/index.ts";
import {
  type AddResult,
  type DroppedTx,
  type JournalStore,
  LocalTxJournal,
  MempoolError,
  type TxOrigin,
} from "../../node/mempool/index.ts";
import { TxJournalStore } from "../../node/storage/index.ts";
import { openTempDb } from "../helpers/storageFixtures.ts";

const hashOf = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
const raw = (n: number) => Uint8Array.of(n);

class MemoryJournal implements JournalStore {
  readonly entries = new Map<Hex, Uint8Array>();
  async put(hash: Hex, bytes: Uint8Array) {
    this.entries.set(hash, bytes);
  }
  async delete(hashes: readonly Hex[]) {
    for (const h of hashes) this.entries.delete(h);
  }
  async all() {
    return [...this.entries].map(([hash, bytes]) => ({ hash, raw: bytes }));
  }
}

/** A pool that takes transactions whose first byte is below `refuseFrom`, hashing each as hashOf(byte). */
function fakes(refuseFrom = 100) {
  const admitted: [number, TxOrigin][] = [];
  let dropListener: ((d: DroppedTx) => void) | null = null;
  const admission = {
    async admit(bytes: Uint8Array, origin: TxOrigin): Promise<AddResult> {
      const n = bytes[0] ?? 0;
      if (n >= refuseFrom) throw new MempoolError("nonce-too-low", "nonce too low");
      admitted.push([n, origin]);
      return { hash: hashOf(n), replaced: n === 3 ? hashOf(2) : null, evicted: null };
    },
  };
  const mempool = {
    onDropped(listener: (d: DroppedTx) => void) {
      dropListener = listener;
      return () => {
        dropListener = null;
      };
    },
  };
  const drop = (n: number) =>
    dropListener?.({ hash: hashOf(n), reason: "evicted", message: "evicted", at: 0 });
  const logger = { info: () => {}, warn: () => {} };
  return { admission, mempool, admitted, drop, logger };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("local transaction journal", () => {
  it("keeps what RPC accepted until a block includes it, the pool drops it or a replacement takes its place", async () => {
    const store = new MemoryJournal();
    const f = fakes();
    const journal = new LocalTxJournal({ store, ...f });
    journal.start();
    for (const n of [1, 2, 4, 5]) await journal.admit(raw(n), "local");
    await journal.admit(raw(6), "peer");
    assert.deepEqual([...store.entries.keys()], [1, 2, 4, 5].map(hashOf), "peers' transactions are not kept");
    journal.included([hashOf(1), hashOf(9)]);
    f.drop(4);
    await journal.admit(raw(3), "local");
    await settle();
    assert.deepEqual([...store.entries.keys()].sort(), [3, 5].map(hashOf));
    journal.stop();
    f.drop(5);
    await settle();
    assert.ok(store.entries.has(hashOf(5)), "a stopped journal no longer listens");
  });

  it("a refused transaction is not journaled", async () => {
    const store = new MemoryJournal();
    const journal = new LocalTxJournal({ store, ...fakes(10) });
    await assert.rejects(journal.admit(raw(10), "local"), MempoolError);
    assert.equal(store.entries.size, 0);
  });

  it("re-admits what it holds at start-up and lets go of what the pool now refuses", async () => {
    const store = new MemoryJournal();
    for (const n of [7, 8, 200]) await store.put(hashOf(n), raw(n));
    const f = fakes();
    const journal = new LocalTxJournal({ store, ...f });
    assert.deepEqual(await journal.replay(), { restored: 2, discarded: 1 });
    assert.deepEqual(f.admitted, [
      [7, "local"],
      [8, "local"],
    ]);
    assert.deepEqual([...store.entries.keys()], [7, 8].map(hashOf));
    journal.included([hashOf(7)]);
    await settle();
    assert.deepEqual([...store.entries.keys()], [hashOf(8)], "replayed transactions leave once included");
  });

  it("the store keeps raw transactions by hash in the database, across a reopen", async (t) => {
    const { db } = await openTempDb(t);
    const store = new TxJournalStore({ db });
    await store.put(hashOf(1), raw(1));
    await store.put(hashOf(2), Uint8Array.of(2, 2));
    await store.delete([hashOf(1), hashOf(3)]);
    assert.deepEqual(await new TxJournalStore({ db }).all(), [{ hash: hashOf(2), raw: Uint8Array.of(2, 2) }]);
  });
});
