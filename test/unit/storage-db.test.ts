import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type Hex, keccak256Hex } from "../../node/crypto/index.ts";
import {
  blockRefCodec,
  bytesCodec,
  hashCodec,
  heightCodec,
  txLocationCodec,
} from "../../node/storage/codecs.ts";
import {
  Bucket,
  ChainStore,
  type Codec,
  type Database,
  openDatabase,
  Repository,
  SignStateStore,
  StorageError,
  validatorSetRecordCodec,
  Wal,
  WalKind,
} from "../../node/storage/index.ts";
import { genesisMetaCodec } from "../../node/storage/repositories.ts";
import { lastSignStateCodec, SignStep } from "../../node/storage/signState.ts";
import { walEntryCodec, walKeyCodec } from "../../node/storage/wal.ts";
import { buildChain, GENESIS_HASH, openTempDb, tempDir, VALIDATOR } from "../helpers/storageFixtures.ts";

const text = (s: string) => new TextEncoder().encode(s);

function isStorageError(code: string, pattern?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof StorageError, `expected StorageError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("storage: database", () => {
  it("puts, gets and deletes raw bytes, and reports a closed database", async (t) => {
    const { db } = await openTempDb(t);
    await db.put(text("k"), text("v"));
    assert.deepEqual(await db.get(text("k")), text("v"));
    await db.delete(text("k"), { sync: true });
    assert.equal(await db.get(text("k")), null);
    await db.close();
    await assert.rejects(db.get(text("k")), isStorageError("closed"));
  });

  it("refuses a second open of a database that is in use", async (t) => {
    const { dir } = await openTempDb(t);
    await assert.rejects(openDatabase(dir), isStorageError("locked", /in use/));
  });

  it("names a damaged database as such when it cannot open", async (t) => {
    const { db, dir } = await openTempDb(t);
    await db.put(text("k"), text("v"), { sync: true });
    await db.close();
    for (const name of readdirSync(dir).filter((n) => n.startsWith("MANIFEST-"))) {
      const path = join(dir, name);
      const bytes = readFileSync(path);
      bytes.fill(0x5a, 8, Math.min(bytes.length, 40));
      writeFileSync(path, bytes);
    }
    await assert.rejects(openDatabase(dir), isStorageError("corrupt", /damaged \(Corruption: /));
  });

  it("writes a batch whole or not at all", async (t) => {
    const { db } = await openTempDb(t);
    const first = { type: "put", key: text("a"), value: text("1") } as const;
    // classic-level alone would store 42 as the text "42": the wrapper refuses the whole batch instead.
    const notBytes = { type: "put", key: text("b"), value: 42 as unknown as Uint8Array } as const;
    await assert.rejects(db.batch([first, notBytes]), isStorageError("invalid-input", /batch op 1 value/));
    const missing = { type: "del", key: undefined as unknown as Uint8Array } as const;
    await assert.rejects(db.batch([first, missing]), isStorageError("invalid-input", /batch op 1 key/));
    assert.equal(await db.get(text("a")), null);
    await db.batch([
      { type: "put", key: text("a"), value: text("1") },
      { type: "put", key: text("b"), value: text("2") },
    ]);
    assert.deepEqual(await db.get(text("b")), text("2"));
  });
});

describe("storage: repositories", () => {
  async function roundtrip<K, V>(db: Database, bucket: Bucket, key: Codec<K>, value: Codec<V>, k: K, v: V) {
    const repo = new Repository({ bucket, name: "test", key, value }, { db });
    assert.equal(await repo.getOrNull(k), null);
    await repo.put(k, v);
    assert.deepEqual(await repo.get(k), v);
    assert.equal(await repo.has(k), true);
    const [entry] = await collect(repo.entries());
    assert.deepEqual(entry, { key: k, value: v });
    await repo.delete(k);
    assert.equal(await repo.getOrNull(k), null);
    await assert.rejects(repo.get(k), isStorageError("not-found", /test .*not found/));
  }

  it("round-trips every key and value codec", async (t) => {
    const { db } = await openTempDb(t);
    const hash = keccak256Hex(text("x"));
    await roundtrip(db, Bucket.blockByHeight, heightCodec, hashCodec, Number.MAX_SAFE_INTEGER, hash);
    await roundtrip(db, Bucket.heightByHash, hashCodec, heightCodec, hash, 0);
    await roundtrip(db, Bucket.state, bytesCodec, bytesCodec, text("key"), new Uint8Array(0));
    await roundtrip(db, Bucket.txLocation, hashCodec, txLocationCodec, hash, { height: 7, index: 3 });
    await roundtrip(db, Bucket.meta, heightCodec, blockRefCodec, 1, { height: 9, hash });
    await roundtrip(db, Bucket.meta, heightCodec, genesisMetaCodec, 2, {
      chainId: 7447n,
      genesisHash: GENESIS_HASH,
    });
    await roundtrip(
      db,
      Bucket.wal,
      walKeyCodec,
      walEntryCodec,
      { height: 5, seq: 2 ** 40 },
      {
        kind: WalKind.Vote,
        data: text("vote"),
      },
    );
    const set = {
      validators: [
        { address: "0x00000000000000000000000000000000000000aa" as Hex, power: 1n, priority: -(2n ** 63n) },
        { address: VALIDATOR, power: 2n ** 60n, priority: 2n ** 63n - 1n },
        { address: "0xffffffffffffffffffffffffffffffffffffffff" as Hex, power: 3n, priority: -1n },
      ],
      proposer: null,
    };
    await roundtrip(db, Bucket.validatorSets, heightCodec, validatorSetRecordCodec, 21, set);
    await roundtrip(db, Bucket.signState, heightCodec, lastSignStateCodec, 0, {
      height: 3,
      round: 1,
      step: SignStep.Prevote,
      blockHash: null,
      digest: hash,
      signature: `0x${"11".repeat(64)}1b` as Hex,
    });
  });

  it("refuses values its codec would not read back", async (t) => {
    const { db } = await openTempDb(t);
    const repo = new Repository(
      { bucket: Bucket.validatorSets, name: "sets", key: heightCodec, value: validatorSetRecordCodec },
      { db },
    );
    const unsorted = {
      validators: [
        { address: VALIDATOR, power: 1n, priority: 0n },
        { address: "0x00000000000000000000000000000000000000aa" as Hex, power: 1n, priority: 0n },
      ],
      proposer: null,
    };
    await assert.rejects(repo.put(1, unsorted), isStorageError("invalid-input", /sets .*ascending/));
    const overflow = { validators: [{ address: VALIDATOR, power: 1n, priority: 2n ** 63n }], proposer: null };
    await assert.rejects(repo.put(1, overflow), isStorageError("invalid-input", /int64/));
    await assert.rejects(repo.put(-1, unsorted), isStorageError("invalid-input", /bad key/));
  });

  it("iterates in numeric height order with bounds, reverse, limit, and never outside its bucket", async (t) => {
    const { db } = await openTempDb(t);
    const repo = new Repository(
      { bucket: Bucket.blockByHeight, name: "h", key: heightCodec, value: bytesCodec },
      { db },
    );
    const heights = [65_536, 2, 256, 1, 255, 3];
    for (const h of heights) await repo.put(h, text(String(h)));
    // Neighbouring buckets hold keys just below and above this one's range.
    await db.put(Uint8Array.of(Bucket.meta, 0xff, 0xff), text("meta"));
    await db.put(Uint8Array.of(Bucket.hashByHeight), text("next bucket"));
    const keys = async (range: Parameters<typeof repo.keys>[0]) => collect(repo.keys(range));
    assert.deepEqual(await keys({}), [1, 2, 3, 255, 256, 65_536]);
    assert.deepEqual(await keys({ gte: 3, lte: 256 }), [3, 255, 256]);
    assert.deepEqual(await keys({ gt: 3, lt: 256 }), [255]);
    assert.deepEqual(await keys({ reverse: true, limit: 2 }), [65_536, 256]);
    assert.deepEqual((await repo.lastEntry({ lte: 254 }))?.key, 3);
    assert.deepEqual((await repo.firstEntry({ gt: 256 }))?.value, text("65536"));
    assert.equal(await repo.lastEntry({ lt: 1 }), null);
  });

  it("iterates by raw key prefix", async (t) => {
    const { db } = await openTempDb(t);
    const repo = new Repository(
      { bucket: Bucket.state, name: "state", key: bytesCodec, value: bytesCodec },
      { db },
    );
    for (const k of ["a/1", "a/2", "b/1", "a", "a0"]) await repo.put(text(k), text(k));
    await repo.put(Uint8Array.of(0xff, 0xff), text("top"));
    const names = (await collect(repo.keys({ prefix: text("a/") }))).map((k) => new TextDecoder().decode(k));
    assert.deepEqual(names, ["a/1", "a/2"]);
    assert.deepEqual(await collect(repo.keys({ prefix: Uint8Array.of(0xff) })), [Uint8Array.of(0xff, 0xff)]);
    await assert.rejects(
      collect(repo.keys({ prefix: text("a"), gte: text("a") })),
      isStorageError("invalid-input"),
    );
  });
});

describe("storage: corrupt bytes are reported, not crashed on", () => {
  it("names the bucket and key of a value that does not decode", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({}, { db });
    const [first] = buildChain(1);
    assert.ok(first);
    await store.writeCommittedBlock(first);
    const junk = Uint8Array.of(0xc3, 0x01, 0x02);
    const key = (bucket: Bucket, rest: number[]) => Uint8Array.of(bucket, ...rest);
    const height1 = [0, 0, 0, 0, 0, 0, 0, 1];

    await db.put(key(Bucket.blockByHeight, height1), junk);
    await assert.rejects(
      store.blockByHeight(1),
      isStorageError("corrupt", /block at height 1: stored value .*does not decode/),
    );
    await assert.rejects(store.blockByHash(first.blockHash), isStorageError("corrupt"));
    await assert.rejects(store.blocksRange(1, 1), isStorageError("corrupt"));

    await db.put(key(Bucket.receiptsByHeight, height1), Uint8Array.of(0xc1, 0xc0, 0x00));
    await assert.rejects(store.receiptsAt(1), isStorageError("corrupt", /receipts at height 1/));

    await db.put(key(Bucket.commitByHeight, height1), new Uint8Array(0));
    await assert.rejects(store.commitAt(1), isStorageError("corrupt", /commit at height 1/));

    await db.put(Uint8Array.of(Bucket.meta, ...text("head")), junk);
    await assert.rejects(store.head(), isStorageError("corrupt", /meta head/));
    // A store reads the head before its first write (later it remembers the head it wrote), so a corrupt head
    // stops a reopened store's writes too, with the same clear error.
    await assert.rejects(new ChainStore({}, { db }).writeCommittedBlock(first), isStorageError("corrupt"));

    await db.put(key(Bucket.heightByHash, [1, 2, 3]), new Uint8Array(8));
    await assert.rejects(
      collect(
        new Repository(
          { bucket: Bucket.heightByHash, name: "heights", key: hashCodec, value: heightCodec },
          { db },
        ).keys(),
      ),
      isStorageError("corrupt", /stored key 0x03010203 does not decode/),
    );
  });

  it("refuses a corrupt sign-state and a corrupt WAL entry", async (t) => {
    const { db } = await openTempDb(t);
    await db.put(Uint8Array.of(Bucket.signState), Uint8Array.of(0x80, 0x00));
    await assert.rejects(SignStateStore.open({ db }), isStorageError("corrupt", /signState/));

    const wal = await Wal.open({ db });
    await wal.append(4, { kind: WalKind.Vote, data: text("v") });
    await db.put(
      Uint8Array.of(Bucket.wal, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 9),
      Uint8Array.of(0xc2, 0x63, 0x80),
    );
    await assert.rejects(wal.replay(4), isStorageError("corrupt", /wal height 4 seq 9: .*kind 99/));
  });

  it("refuses a database of another schema version", async (t) => {
    const dir = join(tempDir(t), "db");
    const db = await openDatabase(dir);
    t.after(() => db.close());
    const stored = genesisMetaCodec.encode({ chainId: 1n, genesisHash: GENESIS_HASH });
    stored[1] = 0x02; // [version, ...]: version 1 -> 2
    await db.put(Uint8Array.of(Bucket.meta, ...text("genesis")), stored);
    const store = new ChainStore({}, { db });
    await assert.rejects(store.genesis(), isStorageError("corrupt", /schema version 2/));
  });
});
