import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getCreateAddress } from "ethers";
import {
  AppError,
  type Application,
  createApplication,
  type ExecutionResult,
  erc20Interface,
  KEY_PREFIX,
  openApplication,
  STAKING_ADDRESS,
  type StateWrite,
  stakingInterface,
} from "../../node/app/index.ts";
import { LruCache } from "../../node/app/lru.ts";
import { LedgerState } from "../../node/app/state.ts";
import { TABLE_CODECS } from "../../node/app/stateCodec.ts";
import { StoredLedger } from "../../node/app/storedState.ts";
import { StateCache, StoredTable } from "../../node/app/storedTable.ts";
import { type Address, bytesToHex } from "../../node/crypto/index.ts";
import {
  addr,
  alice,
  bob,
  carol,
  ETHER,
  ODOL,
  PROPOSER,
  signTx,
  testGenesis,
  testWallet,
} from "../helpers/appFixture.ts";
import { MemoryStateStore } from "../helpers/memoryStateStore.ts";

const dave = testWallet(50);
const BLOCK_TIME = 1_700_000_000_000;

interface StoredNode {
  store: MemoryStateStore;
  app: Application;
}

/** A node over a fake store, its genesis stored as the chain's initGenesis stores it. */
async function storedNode(cacheEntries = 2): Promise<StoredNode> {
  const store = new MemoryStateStore();
  const app = await openApplication(testGenesis(), store, { cacheEntries });
  store.apply(app.snapshotWrites());
  return { store, app };
}

function execute(app: Application, txs: Uint8Array[]): Promise<ExecutionResult> {
  return app.executeBlock(
    { height: app.height() + 1, time: BLOCK_TIME + app.height(), proposer: PROPOSER },
    txs,
  );
}

/** What the chain does for a decided block: the store's batch, then commit. */
function commit(node: StoredNode, result: ExecutionResult): void {
  node.store.apply(result.stateWrites);
  node.app.commit(result);
}

const transfer = (from: typeof alice, to: Address, value: bigint, nonce: number) =>
  signTx(from, { to, value, nonce });

function isAppError(code: string, pattern?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof AppError, `expected AppError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

describe("LruCache", () => {
  it("evicts the least recently used entry, a read counting as a use", async () => {
    const lru = new LruCache<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    assert.equal(lru.get("a"), 1);
    lru.set("c", 3);
    assert.equal(lru.has("b"), false, "b was the least recently used");
    assert.equal(lru.get("a"), 1);
    assert.equal(lru.get("c"), 3);
    lru.set("a", 10);
    lru.set("d", 4);
    assert.equal(lru.has("c"), false);
    assert.deepEqual([lru.get("a"), lru.get("d"), lru.size], [10, 4, 2]);
    assert.throws(() => new LruCache(0), RangeError);
  });
});

describe("app over a store: state read through a bounded cache", () => {
  it("computes the same appHashes, writes and state as the in-memory app", async () => {
    const memory = createApplication(testGenesis(), null);
    const node = await storedNode(2);
    assert.equal(node.app.appHash(), memory.appHash());
    assert.deepEqual(node.app.snapshotWrites(), memory.snapshotWrites());
    const blocks = [
      [await transfer(alice, addr(bob), 5n * ETHER, 0), await transfer(carol, addr(dave), ETHER, 0)],
      [
        await signTx(alice, {
          to: ODOL,
          nonce: 1,
          data: erc20Interface.encodeFunctionData("transfer", [addr(dave), 250n]),
        }),
        await signTx(dave, { to: addr(dave), value: 1n, nonce: 0 }),
      ],
      [
        await signTx(bob, {
          to: STAKING_ADDRESS,
          nonce: 0,
          data: stakingInterface.encodeFunctionData("stake", [2n * ETHER]),
        }),
      ],
      // Height 4 ends the test genesis's first epoch: bob's stake becomes power.
      [],
      [await transfer(bob, addr(alice), ETHER, 1), await transfer(dave, addr(carol), 1000n, 1)],
    ];
    for (const txs of blocks) {
      const expected = await execute(memory, txs);
      memory.commit(expected);
      const result = await execute(node.app, txs);
      assert.equal(result.appHash, expected.appHash, `appHash at height ${result.height}`);
      assert.deepEqual(result.stateWrites, expected.stateWrites);
      assert.deepEqual(result.validatorUpdates, expected.validatorUpdates);
      commit(node, result);
    }
    for (const who of [alice, bob, carol, dave].map(addr).concat(PROPOSER)) {
      assert.equal(node.app.balance(who), memory.balance(who), `balance of ${who}`);
      assert.equal(node.app.nonce(who), memory.nonce(who));
      assert.equal(node.app.tokenBalance(ODOL, who), memory.tokenBalance(ODOL, who));
    }
    assert.deepEqual(node.app.validatorSet(), memory.validatorSet());
    assert.equal(await node.app.nativeSupply(), await memory.nativeSupply());
  });

  it("opens a stored state without reading the large tables, and continues it", async () => {
    const node = await storedNode();
    commit(node, await execute(node.app, [await transfer(alice, addr(dave), 3n * ETHER, 0)]));
    const store = node.store;
    store.scannedPrefixes.length = 0;
    store.syncReads = 0;
    const reopened = await openApplication(testGenesis(), store, { cacheEntries: 2 });
    assert.ok(!store.scannedPrefixes.includes(KEY_PREFIX.account), "accounts are not scanned at start-up");
    assert.ok(!store.scannedPrefixes.includes(KEY_PREFIX.tokenBalance));
    assert.equal(store.syncReads, 1, "start-up reads only the appHash");
    assert.deepEqual([reopened.height(), reopened.appHash()], [node.app.height(), node.app.appHash()]);
    assert.equal(reopened.balance(addr(dave)), 3n * ETHER);
    assert.deepEqual(reopened.validatorSet(), node.app.validatorSet());
    assert.deepEqual(reopened.snapshotWrites().length, 1, "only the appHash entry: the store holds the rest");
    const next = await execute(reopened, [await transfer(dave, addr(bob), ETHER, 0)]);
    assert.equal(
      next.appHash,
      (await execute(node.app, [await transfer(dave, addr(bob), ETHER, 0)])).appHash,
    );
  });

  it("refuses a store that holds no height or no validators", async () => {
    const node = await storedNode();
    const noHeight = new MemoryStateStore();
    noHeight.apply(
      node.app.snapshotWrites().filter(([key]) => !(key[0] === KEY_PREFIX.meta && key.length === 7)),
    );
    await assert.rejects(openApplication(testGenesis(), noHeight), isAppError("invalid-state", /no height/));
    const noValidators = new MemoryStateStore();
    noValidators.apply(node.app.snapshotWrites().filter(([key]) => key[0] !== KEY_PREFIX.validator));
    await assert.rejects(
      openApplication(testGenesis(), noValidators),
      isAppError("invalid-state", /no validators/),
    );
  });

  it("serves the committed values after a commit, never the ones cached before it", async () => {
    const node = await storedNode(100);
    const before = node.app.balance(addr(alice));
    assert.equal(node.app.balance(addr(bob)), 1000n * ETHER);
    const result = await execute(node.app, [await transfer(alice, addr(bob), 7n * ETHER, 0)]);
    assert.equal(node.app.balance(addr(bob)), 1000n * ETHER, "an executed block is not committed state");
    commit(node, result);
    assert.equal(node.app.balance(addr(bob)), 1007n * ETHER);
    assert.ok(node.app.balance(addr(alice)) < before - 7n * ETHER + 1n);
    assert.equal(node.app.nonce(addr(alice)), 1n);
    // The store agrees with the cache: an app opened on it reads the same.
    const fresh = await openApplication(testGenesis(), node.store);
    assert.equal(fresh.balance(addr(alice)), node.app.balance(addr(alice)));
    assert.equal(fresh.balance(addr(bob)), 1007n * ETHER);
  });

  it("a block that fails execution leaves the committed state and the cache as they were", async () => {
    const node = await storedNode(100);
    const memory = createApplication(testGenesis(), null);
    const good = await transfer(alice, addr(bob), 5n * ETHER, 0);
    const bad = await transfer(carol, addr(bob), ETHER, 3);
    const aliceBefore = node.app.balance(addr(alice));
    await assert.rejects(() => execute(node.app, [good, bad]), isAppError("invalid-block", /nonce too high/));
    assert.equal(node.app.balance(addr(alice)), aliceBefore);
    assert.equal(node.app.balance(addr(bob)), 1000n * ETHER);
    assert.equal(node.app.nonce(addr(alice)), 0n);
    const result = await execute(node.app, [good]);
    const expected = await execute(memory, [good]);
    assert.equal(result.appHash, expected.appHash);
    commit(node, result);
    assert.equal(node.app.balance(addr(bob)), 1005n * ETHER);
  });

  it("a proposal that is not decided leaves no trace; the decided block is what commits", async () => {
    const node = await storedNode(100);
    const proposal = await node.app.buildBlock({ height: 1, time: BLOCK_TIME, proposer: PROPOSER }, [
      node.app.decodeTx(await transfer(alice, addr(bob), 9n * ETHER, 0)),
    ]);
    assert.equal(proposal.txs.length, 1);
    const decided = await execute(node.app, [await transfer(carol, addr(bob), 2n * ETHER, 0)]);
    commit(node, decided);
    assert.throws(() => node.app.commit(proposal.result), isAppError("stale-result"));
    assert.equal(node.app.balance(addr(bob)), 1002n * ETHER);
    assert.equal(node.app.nonce(addr(alice)), 0n);
    assert.equal(node.app.balance(addr(alice)), 1000n * ETHER);
  });

  it("refuses to commit a block whose writes the store does not hold", async () => {
    const node = await storedNode(100);
    const result = await execute(node.app, [await transfer(alice, addr(bob), ETHER, 0)]);
    assert.throws(() => node.app.commit(result), isAppError("stale-result", /before its writes are stored/));
    assert.equal(node.app.height(), 0);
    assert.equal(node.app.balance(addr(bob)), 1000n * ETHER);
    commit(node, result);
    assert.equal(node.app.height(), 1);
    assert.equal(node.app.balance(addr(bob)), 1001n * ETHER);
  });

  it("after a crash between the store's write and commit, a restart reads the written block", async () => {
    const node = await storedNode(100);
    const first = await execute(node.app, [await transfer(alice, addr(bob), ETHER, 0)]);
    commit(node, first);
    const second = await execute(node.app, [await transfer(bob, addr(carol), 4n * ETHER, 0)]);
    // A crash before the write: the restart is at height 1.
    const beforeWrite = await openApplication(testGenesis(), node.store);
    assert.deepEqual([beforeWrite.height(), beforeWrite.appHash()], [1, first.appHash]);
    assert.equal(beforeWrite.balance(addr(carol)), 1000n * ETHER);
    // The write lands; the process dies before commit: the restart is at height 2 with its state.
    node.store.apply(second.stateWrites);
    const afterWrite = await openApplication(testGenesis(), node.store);
    assert.deepEqual([afterWrite.height(), afterWrite.appHash()], [2, second.appHash]);
    assert.equal(afterWrite.balance(addr(carol)), 1004n * ETHER);
    assert.equal(afterWrite.nonce(addr(bob)), 1n);
  });

  it("a prefetch reads what execution needs, so execution does not read the store", async () => {
    const node = await storedNode(100);
    const txs = [
      await transfer(alice, addr(dave), ETHER, 0),
      await signTx(carol, {
        to: ODOL,
        nonce: 0,
        data: erc20Interface.encodeFunctionData("transfer", [addr(bob), 0n]),
      }),
    ];
    await node.app.prefetch(txs, [], PROPOSER);
    assert.ok(node.store.batchedReads >= 5, "sender, recipient, proposer and both token balances");
    node.store.syncReads = 0;
    commit(node, await execute(node.app, txs));
    assert.equal(node.store.syncReads, 1, "only commit's check of the stored appHash");
  });
});

describe("stored table: the cache never serves what a commit replaced", () => {
  it("drops a prefetch that read before a commit, even once the committed entry is evicted", async () => {
    const store = new MemoryStateStore();
    const codec = TABLE_CODECS.stakes;
    const key = addr(alice);
    const encoded = (amount: bigint): StateWrite[] => [
      [Uint8Array.of(codec.prefix, ...Buffer.from(key.slice(2), "hex")), Uint8Array.of(Number(amount))],
    ];
    store.apply(encoded(1n));
    const cache = new StateCache(1);
    const table = new StoredTable(codec, { reader: store, cache });
    let release = () => {};
    store.gate = new Promise((resolve) => {
      release = resolve;
    });
    const prefetch = table.prefetch([key]);
    // The block at the next height writes 2 and commits while the prefetch's read (of 1) is in flight.
    store.apply(encoded(2n));
    table.set(key, 2n);
    cache.committed();
    table.get(addr(bob));
    assert.equal(cache.entries.has(`${codec.prefix}/${key}`), false, "evicted by a later read");
    release();
    await prefetch;
    store.gate = null;
    assert.equal(table.get(key), 2n);
  });

  it("keeps at most its capacity of entries however many are read", async () => {
    const node = await storedNode(100);
    const ledger = await StoredLedger.open(node.store, { cacheEntries: 3 });
    for (let i = 0; i < 20; i++) ledger.accounts.get(addr(testWallet(100 + i)));
    assert.equal(ledger.cachedEntries, 3);
    assert.equal(ledger.accounts.get(addr(alice))?.balance, 1000n * ETHER);
  });

  it("holds contract code in its own cache, bounded apart from the entries' count", async () => {
    const node = await storedNode(100);
    // Initcode that returns 8 bytes of runtime code (the byte i repeated), one contract per nonce.
    const deploy = (i: number) =>
      signTx(alice, { to: null, nonce: i, data: `0x67${`0${i}`.repeat(8)}5f5260086018f3` });
    for (let i = 0; i < 4; i++) commit(node, await execute(node.app, [await deploy(i)]));
    const ledger = await StoredLedger.open(node.store, { cacheEntries: 100, codeCacheEntries: 2 });
    const state = new LedgerState(ledger);
    const created = [0, 1, 2, 3].map((nonce) =>
      getCreateAddress({ from: alice.address, nonce }).toLowerCase(),
    );
    created.forEach((address, i) => {
      assert.equal(bytesToHex(state.codeOf(address as Address)), `0x${`0${i}`.repeat(8)}`);
    });
    assert.equal(ledger.cachedCode, 2, "the code cache keeps its own capacity");
    assert.ok(ledger.cachedEntries >= 4, "the accounts went to the shared cache");
  });
});
