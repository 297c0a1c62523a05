import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Hex, keccak256Hex, ZERO_HASH } from "../../node/crypto/index.ts";
import {
  Bucket,
  ChainStore,
  type CommittedBlock,
  openDatabase,
  StorageError,
  Wal,
  WalKind,
} from "../../node/storage/index.ts";
import {
  DEPOSIT_TX_TYPE,
  decodeBlock,
  decodeCommit,
  depositTxHash,
  encodeDepositTx,
  hashHeader,
} from "../../node/types/index.ts";
import {
  buildChain,
  buildCommittedBlock,
  CHAIN_ID,
  COUNTER_KEY,
  GENESIS_HASH,
  heightBytes,
  openTempDb,
  stateKey,
  txCountAt,
  validatorSetRecord,
} from "../helpers/storageFixtures.ts";

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

async function writeAll(store: ChainStore, blocks: CommittedBlock[]): Promise<void> {
  for (const b of blocks) await store.writeCommittedBlock(b);
}

/** Nothing of block `c` is readable: the proof that a refused write left no trace. */
async function assertAbsent(store: ChainStore, c: CommittedBlock): Promise<void> {
  const h = c.block.header.height;
  assert.equal(await store.blockByHeight(h), null);
  assert.equal(await store.hashAt(h), null);
  assert.equal(await store.heightOfHash(c.blockHash), null);
  assert.equal(await store.commitAt(h), null);
  assert.equal(await store.receiptsAt(h), null);
  for (const r of c.receipts) assert.equal(await store.txLocation(r.txHash), null);
  assert.equal(await store.getState(stateKey(h)), null);
}

describe("storage: chain store", () => {
  it("reads back every part of committed blocks", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({ syncBlocks: false }, { db });
    const chain = buildChain(7);
    await writeAll(store, chain);
    assert.deepEqual(await store.head(), { height: 7, hash: chain[6]?.blockHash });

    for (const c of chain) {
      const h = c.block.header.height;
      assert.deepEqual(await store.blockByHeight(h), c.block);
      assert.deepEqual(await store.blockByHash(c.blockHash), c.block);
      assert.equal(await store.hashAt(h), c.blockHash);
      assert.equal(await store.heightOfHash(c.blockHash), h);
      assert.deepEqual(await store.commitAt(h), c.commit);
      assert.deepEqual(await store.receiptsAt(h), c.receipts);
      assert.equal(c.receipts.length, txCountAt(h));
      let logIndex = 0;
      for (const [index, receipt] of c.receipts.entries()) {
        assert.deepEqual(await store.txLocation(receipt.txHash), { height: h, index });
        const located = await store.receiptByTxHash(receipt.txHash);
        assert.deepEqual(located, {
          receipt,
          height: h,
          blockHash: c.blockHash,
          index,
          firstLogIndex: logIndex,
        });
        logIndex += receipt.logs.length;
        const tx = await store.transactionByHash(receipt.txHash);
        assert.deepEqual(tx, { raw: c.block.txs[index], height: h, blockHash: c.blockHash, index });
      }
    }
    assert.equal(await store.blockByHash(keccak256Hex(Uint8Array.of(1))), null);
    assert.equal(await store.receiptByTxHash(keccak256Hex(Uint8Array.of(1))), null);
    assert.equal(await store.blockByHeight(8), null);

    const range = await store.blocksRange(3, 5);
    assert.deepEqual(
      range,
      chain.slice(2, 5).map((c) => ({ block: c.block, commit: c.commit })),
    );
    assert.equal((await store.blocksRange(6, 100)).length, 2);
    const encoded = await store.encodedBlocksRange(2, 3);
    assert.deepEqual(
      encoded.map((e) => ({ height: e.height, block: decodeBlock(e.block), commit: decodeCommit(e.commit) })),
      chain.slice(1, 3).map((c) => ({ height: c.block.header.height, block: c.block, commit: c.commit })),
    );
    const receipts = await collect(store.receiptsRange(2, 4));
    assert.deepEqual(
      receipts,
      chain
        .slice(1, 4)
        .map((c) => ({ height: c.block.header.height, blockHash: c.blockHash, receipts: c.receipts })),
    );
    await assert.rejects(store.blocksRange(5, 4), isStorageError("invalid-input"));
    await assert.rejects(store.blockByHeight(-1), isStorageError("invalid-input"));

    // State: every block set h/<height> and counter, and deleted h/<height-3>.
    const state = new Map(
      (await store.loadState()).map(([k, v]) => [new TextDecoder().decode(k), new TextDecoder().decode(v)]),
    );
    assert.deepEqual(Object.fromEntries(state), { counter: "7", "h/5": "5", "h/6": "6", "h/7": "7" });
    assert.deepEqual(await store.getState(COUNTER_KEY), heightBytes(7));
  });

  it("refuses blocks that do not extend the head, and writes nothing of them", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({}, { db });
    const chain = buildChain(3);
    const [b1, b2, b3] = chain;
    assert.ok(b1 && b2 && b3);
    await assert.rejects(
      store.writeCommittedBlock(b2),
      isStorageError("continuity", /height 2 does not follow head \(none\)/),
    );
    const orphan = buildCommittedBlock(1, keccak256Hex(Uint8Array.of(9)), null);
    await assert.rejects(store.writeCommittedBlock(orphan), isStorageError("continuity", /parent/));
    await assertAbsent(store, orphan);
    await store.writeCommittedBlock(b1);
    await assert.rejects(
      store.writeCommittedBlock(b1),
      isStorageError("continuity", /height 1 does not follow head 1/),
    );
    await assert.rejects(store.writeCommittedBlock(b3), isStorageError("continuity", /height 3/));
    const fork = buildCommittedBlock(2, ZERO_HASH, b1.commit);
    await assert.rejects(
      store.writeCommittedBlock(fork),
      isStorageError("continuity", /parent 0x0{64}, but the head is/),
    );
    await assertAbsent(store, b3);
    await assertAbsent(store, fork);
    assert.deepEqual(await store.head(), { height: 1, hash: b1.blockHash });
    await store.writeCommittedBlock(b2);
    assert.deepEqual(await store.head(), { height: 2, hash: b2.blockHash });
  });

  it("stores a block's deposit transactions first: each is found by hash, its raw is its 0x7e encoding", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({ syncBlocks: false }, { db });
    const claims = [0n, 1n].map((nonce) => ({
      nonce,
      l1Token: `0x${"0a".repeat(20)}` as const,
      from: `0x${"0d".repeat(20)}` as const,
      to: `0x${"0b".repeat(20)}` as const,
      amount: 5n + nonce,
      name: "USD Coin",
      symbol: "USDC",
      decimals: 6,
      l1TxHash: keccak256Hex(Uint8Array.of(Number(nonce))),
    }));
    // Height 1 has one transaction: the block holds three in all, the deposits at 0 and 1.
    const c = buildCommittedBlock(1, ZERO_HASH, null, claims);
    await store.writeCommittedBlock(c);
    const h = c.block.header.height;
    assert.equal(c.receipts.length, claims.length + c.block.txs.length);
    assert.deepEqual(await store.receiptsAt(h), c.receipts);
    let logIndex = 0;
    for (const [index, receipt] of c.receipts.entries()) {
      assert.deepEqual(await store.txLocation(receipt.txHash), { height: h, index });
      assert.deepEqual(await store.receiptByTxHash(receipt.txHash), {
        receipt,
        height: h,
        blockHash: c.blockHash,
        index,
        firstLogIndex: logIndex,
      });
      logIndex += receipt.logs.length;
      const claim = claims[index];
      const raw = claim === undefined ? c.block.txs[index - claims.length] : encodeDepositTx(claim);
      assert.deepEqual(await store.transactionByHash(receipt.txHash), {
        raw,
        height: h,
        blockHash: c.blockHash,
        index,
      });
    }
    const deposit = await store.transactionByHash(depositTxHash(claims[1] as (typeof claims)[1]));
    assert.equal(deposit?.raw[0], DEPOSIT_TX_TYPE);
    assert.equal(
      keccak256Hex(deposit?.raw ?? new Uint8Array()),
      depositTxHash(claims[1] as (typeof claims)[1]),
    );
  });

  it("refuses receipts that leave out a block's deposits or do not match them", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({}, { db });
    const claim = {
      nonce: 0n,
      l1Token: `0x${"0a".repeat(20)}` as const,
      from: `0x${"0d".repeat(20)}` as const,
      to: `0x${"0b".repeat(20)}` as const,
      amount: 5n,
      name: "",
      symbol: "",
      decimals: 18,
      l1TxHash: keccak256Hex(Uint8Array.of(1)),
    };
    const c = buildCommittedBlock(1, ZERO_HASH, null, [claim]);
    await assert.rejects(
      store.writeCommittedBlock({ ...c, receipts: c.receipts.slice(1) }),
      isStorageError("invalid-input", /1 receipts for 1 transactions and 1 deposits/),
    );
    const swapped = [c.receipts[1], c.receipts[0]] as typeof c.receipts;
    await assert.rejects(
      store.writeCommittedBlock({ ...c, receipts: swapped }),
      isStorageError("invalid-input", /receipt 0 is for .*, not deposit 0's transaction/),
    );
    await assertAbsent(store, c);
    await store.writeCommittedBlock(c);
    assert.deepEqual(await store.head(), { height: 1, hash: c.blockHash });
  });

  it("refuses parts that do not belong to the block", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({}, { db });
    const [b1, b2] = buildChain(2);
    assert.ok(b1 && b2);
    const other = keccak256Hex(Uint8Array.of(7));
    await assert.rejects(
      store.writeCommittedBlock({ ...b1, blockHash: other }),
      isStorageError("invalid-input", /not the header's hash/),
    );
    await assert.rejects(
      store.writeCommittedBlock({ ...b1, commit: b2.commit }),
      isStorageError("invalid-input", /commit is for 2/),
    );
    await assert.rejects(
      store.writeCommittedBlock({ ...b1, receipts: [...b1.receipts, ...b2.receipts] }),
      isStorageError("invalid-input", /receipts for 1 transactions/),
    );
    await assertAbsent(store, b1);
    assert.equal(await store.head(), null);
  });

  it("lands nothing when an operation late in the batch fails to encode", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({}, { db });
    const wal = await Wal.open({ db });
    const [b1, b2] = buildChain(2);
    assert.ok(b1 && b2);
    await store.writeCommittedBlock(b1);
    await wal.append(2, { kind: WalKind.Vote, data: Uint8Array.of(1) });

    // The validator set is encoded after the block, commit, receipts, tx index and state writes: all of those
    // were already built when it fails.
    const unsorted = validatorSetRecord(0n, 2);
    unsorted.validators.reverse();
    await assert.rejects(
      store.writeCommittedBlock({ ...b2, nextValidatorSet: unsorted }),
      isStorageError("invalid-input", /validator set from height 3: bad value/),
    );
    // The last state write is not bytes.
    const badState = [...b2.stateWrites, [COUNTER_KEY, 7 as unknown as Uint8Array] as const];
    await assert.rejects(
      store.writeCommittedBlock({ ...b2, stateWrites: badState }),
      isStorageError("invalid-input"),
    );

    await assertAbsent(store, b2);
    assert.deepEqual(await store.head(), { height: 1, hash: b1.blockHash });
    assert.deepEqual(await store.getState(COUNTER_KEY), heightBytes(1));
    assert.equal(await store.validatorSetAt(3), null);
    assert.equal((await wal.replay(2)).length, 1, "the WAL of the refused height is kept");
    await store.writeCommittedBlock(b2);
    assert.deepEqual(await store.head(), { height: 2, hash: b2.blockHash });
  });

  it("clears the WAL of the committed height in the same batch, keeping later heights", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({}, { db });
    const wal = await Wal.open({ db });
    const [b1, b2] = buildChain(2);
    assert.ok(b1 && b2);
    await wal.append(1, { kind: WalKind.HeightStarted, data: new Uint8Array(0) });
    await wal.append(1, { kind: WalKind.Proposal, data: Uint8Array.of(1) });
    await wal.append(2, { kind: WalKind.Vote, data: Uint8Array.of(2) });
    await store.writeCommittedBlock(b1);
    assert.deepEqual(await wal.replay(1), []);
    assert.deepEqual(
      (await wal.replay(2)).map((r) => r.data),
      [Uint8Array.of(2)],
    );
    await store.writeCommittedBlock(b2);
    assert.deepEqual(await wal.replay(2), []);
  });

  it("leaves the WAL of an unsynced write to the synced write after it, which clears every height below", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({}, { db });
    const wal = await Wal.open({ db });
    const [b1, b2, b3] = buildChain(3);
    assert.ok(b1 && b2 && b3);
    await wal.append(1, { kind: WalKind.Vote, data: Uint8Array.of(1) });
    await wal.append(2, { kind: WalKind.Vote, data: Uint8Array.of(2) });
    await wal.append(4, { kind: WalKind.Vote, data: Uint8Array.of(4) });
    await store.writeCommittedBlock(b1, { sync: false });
    await store.writeCommittedBlock(b2, { sync: false });
    assert.deepEqual(await store.head(), { height: 2, hash: b2.blockHash });
    assert.equal((await wal.replay(1)).length, 1, "an unsynced write scans no WAL");
    await store.writeCommittedBlock(b3);
    assert.deepEqual(await wal.replay(1), []);
    assert.deepEqual(await wal.replay(2), []);
    assert.equal((await wal.replay(4)).length, 1, "a height above the head is kept");
  });

  it("keeps validator sets per epoch start and answers for any height", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({}, { db });
    const genesisSet = validatorSetRecord(-5n, 1);
    await store.initGenesis({
      chainId: CHAIN_ID,
      genesisHash: GENESIS_HASH,
      validatorSet: genesisSet,
      stateWrites: [],
    });
    const chain = buildChain(5);
    const epoch2 = validatorSetRecord(3n, 2);
    for (const c of chain) {
      const h = c.block.header.height;
      await store.writeCommittedBlock(h === 4 ? { ...c, nextValidatorSet: epoch2 } : c);
    }
    assert.equal(await store.validatorSetAt(0), null);
    for (const h of [1, 2, 4])
      assert.deepEqual(await store.validatorSetAt(h), { fromHeight: 1, validatorSet: genesisSet });
    for (const h of [5, 6, 1000])
      assert.deepEqual(await store.validatorSetAt(h), { fromHeight: 5, validatorSet: epoch2 });
  });

  it("records the genesis once and refuses a database of another chain", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({}, { db });
    assert.equal(await store.genesis(), null);
    const validatorSet = validatorSetRecord();
    await store.initGenesis({ chainId: CHAIN_ID, genesisHash: GENESIS_HASH, validatorSet, stateWrites: [] });
    await store.initGenesis({ chainId: CHAIN_ID, genesisHash: GENESIS_HASH, validatorSet, stateWrites: [] });
    assert.deepEqual(await store.genesis(), { chainId: CHAIN_ID, genesisHash: GENESIS_HASH });
    await assert.rejects(
      store.initGenesis({ chainId: CHAIN_ID + 1n, genesisHash: GENESIS_HASH, validatorSet, stateWrites: [] }),
      isStorageError("wrong-chain", /belongs to chain 7447/),
    );
    const otherGenesis = keccak256Hex(Uint8Array.of(1)) as Hex;
    await assert.rejects(
      store.initGenesis({ chainId: CHAIN_ID, genesisHash: otherGenesis, validatorSet, stateWrites: [] }),
      isStorageError("wrong-chain"),
    );
  });

  it("returns the same head, blocks and state after reopening", async (t) => {
    const { db, dir } = await openTempDb(t);
    const chain = buildChain(6);
    const store = new ChainStore({}, { db });
    await store.initGenesis({
      chainId: CHAIN_ID,
      genesisHash: GENESIS_HASH,
      validatorSet: validatorSetRecord(),
      stateWrites: [[Uint8Array.of(0xee), Uint8Array.of(1)]],
    });
    await writeAll(store, chain);
    const before = {
      head: await store.head(),
      state: await store.loadState(),
      block: await store.blockByHeight(4),
    };
    await db.close();

    const reopened = await openDatabase(dir);
    t.after(() => reopened.close());
    const again = new ChainStore({}, { db: reopened });
    assert.deepEqual(await again.head(), before.head);
    assert.deepEqual(await again.loadState(), before.state);
    assert.deepEqual(await again.getState(Uint8Array.of(0xee)), Uint8Array.of(1), "genesis state survives");
    assert.deepEqual(await again.blockByHeight(4), before.block);
    assert.deepEqual(await again.genesis(), { chainId: CHAIN_ID, genesisHash: GENESIS_HASH });
    const next = buildCommittedBlock(7, chain[5]?.blockHash as Hex, chain[5]?.commit ?? null);
    await again.writeCommittedBlock(next);
    assert.equal((await again.head())?.height, 7);
  });

  it("serialises concurrent writes: of two blocks at one height exactly one lands", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({}, { db });
    const [b1] = buildChain(1);
    assert.ok(b1);
    const rival = buildCommittedBlock(1, ZERO_HASH, null);
    rival.block.header.time += 1;
    const rivalHash = hashHeader(rival.block.header);
    const rivalBlock = { ...rival, blockHash: rivalHash, commit: { ...rival.commit, blockHash: rivalHash } };
    const results = await Promise.allSettled([
      store.writeCommittedBlock(b1),
      store.writeCommittedBlock(rivalBlock),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected"],
    );
    assert.equal((await store.head())?.hash, b1.blockHash);
    assert.equal(await store.heightOfHash(rivalHash), null);
  });

  it("reads the app's state bucket by key, in batches and by prefix, without leaking into other buckets", async (t) => {
    const { db } = await openTempDb(t);
    const store = new ChainStore({}, { db });
    await store.initGenesis({
      chainId: CHAIN_ID,
      genesisHash: GENESIS_HASH,
      validatorSet: validatorSetRecord(),
      stateWrites: [
        [Uint8Array.of(0x01, 0xaa), Uint8Array.of(1)],
        [Uint8Array.of(0x01, 0xbb), Uint8Array.of(2)],
        [Uint8Array.of(0x02, 0xaa), Uint8Array.of(3)],
        [Uint8Array.of(0xff), Uint8Array.of(4)],
      ],
    });
    // A key of the next bucket that starts with the same bytes must not show up in the state's prefix scans.
    await db.put(Uint8Array.of(Bucket.state + 1, 0x01, 0xcc), Uint8Array.of(9));
    const reader = store.stateReader();
    assert.deepEqual(reader.getSync(Uint8Array.of(0x01, 0xbb)), Uint8Array.of(2));
    assert.equal(reader.getSync(Uint8Array.of(0x01, 0xcc)), null);
    assert.deepEqual(
      await reader.getMany([Uint8Array.of(0x02, 0xaa), Uint8Array.of(0x03), Uint8Array.of(0xff)]),
      [Uint8Array.of(3), null, Uint8Array.of(4)],
    );
    assert.deepEqual(await collect(reader.entries(Uint8Array.of(0x01))), [
      [Uint8Array.of(0x01, 0xaa), Uint8Array.of(1)],
      [Uint8Array.of(0x01, 0xbb), Uint8Array.of(2)],
    ]);
    assert.deepEqual(await collect(reader.entries(Uint8Array.of(0xff))), [
      [Uint8Array.of(0xff), Uint8Array.of(4)],
    ]);
    const next = buildCommittedBlock(1, ZERO_HASH, null);
    await store.writeCommittedBlock({ ...next, stateWrites: [[Uint8Array.of(0x01, 0xaa), null]] });
    assert.equal(
      reader.getSync(Uint8Array.of(0x01, 0xaa)),
      null,
      "a committed block's delete is read at once",
    );
  });
});
