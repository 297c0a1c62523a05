import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeRlp, keccak256 } from "ethers";
import fc from "fast-check";
import {
  APP_HASH_KEY,
  AppError,
  type AppGenesis,
  type Application,
  BRIDGE_ADDRESS,
  createApplication,
  type ExecutionResult,
  erc20Interface,
  GAS_POOL_ADDRESS,
  initialState,
  KEY_PREFIX,
  STAKING_ADDRESS,
  type StateWrite,
  stakingInterface,
} from "../../node/app/index.ts";
import { Table } from "../../node/app/table.ts";
import { type Address, bytesToHex, concatBytes, type Hex, hexToBytes } from "../../node/crypto/index.ts";
import {
  addr,
  alice,
  BASE_FEE,
  bob,
  carol,
  ETHER,
  GWEI,
  ODOL,
  PROPOSER,
  signTx,
  testApp,
  testGenesis,
  val1,
  val2,
} from "../helpers/appFixture.ts";

const staking = stakingInterface;
const erc20 = erc20Interface;
const WALLETS = [alice, bob, carol, val1, val2];

/** A storage stand-in: applies writes the way classic-level applies the node's batch. */
class MemoryStore {
  readonly entries = new Map<Hex, Uint8Array>();
  apply(writes: readonly StateWrite[]): void {
    for (const [key, value] of writes) {
      if (value === null) this.entries.delete(bytesToHex(key));
      else this.entries.set(bytesToHex(key), value);
    }
  }
  load(): [Uint8Array, Uint8Array][] {
    return [...this.entries].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [hexToBytes(k), v]);
  }
}

/** A fixed mix of every kind of transaction, for blocks 1..3. */
async function scriptedBlocks(): Promise<Uint8Array[][]> {
  return [
    [
      await signTx(alice, { to: addr(bob), value: 3n * ETHER, nonce: 0 }),
      await signTx(alice, {
        to: ODOL,
        data: erc20.encodeFunctionData("transfer", [addr(carol), 77n]),
        nonce: 1,
      }),
      await signTx(bob, { type: 0, to: addr(carol), value: 1n, gasPrice: 2n * GWEI }),
    ],
    [
      await signTx(carol, { to: STAKING_ADDRESS, data: staking.encodeFunctionData("stake", [4n * ETHER]) }),
      await signTx(val1, { to: STAKING_ADDRESS, data: staking.encodeFunctionData("unstake", [10n * ETHER]) }),
      await signTx(bob, {
        to: ODOL,
        data: erc20.encodeFunctionData("transfer", [addr(carol), 1n]),
        nonce: 1,
      }),
    ],
    [await signTx(alice, { to: addr(val1), value: 1n, nonce: 2 })],
  ];
}

function execute(
  app: Application,
  txs: Uint8Array[],
  proposer: Address = PROPOSER,
): Promise<ExecutionResult> {
  return app.executeBlock({ height: app.height() + 1, time: 1_000 + app.height(), proposer }, txs);
}

describe("app: appHash, writes and determinism", () => {
  it("two instances executing the same blocks produce identical appHashes, writes and receipts", async () => {
    const blocks = await scriptedBlocks();
    const a = testApp();
    const b = testApp();
    assert.equal(a.appHash(), b.appHash());
    blocks.push([], []); // height 4 ends epoch 1 and changes the set
    for (const txs of blocks) {
      const ra = await execute(a, txs);
      const rb = await execute(b, txs);
      assert.equal(ra.appHash, rb.appHash);
      assert.deepEqual(ra.stateWrites, rb.stateWrites);
      assert.deepEqual(ra.receipts, rb.receipts);
      assert.deepEqual(ra.validatorUpdates, rb.validatorUpdates);
      a.commit(ra);
      b.commit(rb);
    }
    assert.equal(a.height(), 5);
    assert.deepEqual(a.validatorSet(), b.validatorSet());
    assert.equal(a.validatorSet().length, 2, "val1 left, carol joined at height 4");
  });

  it("the appHash depends on the state reached: another proposer or another amount gives another hash", async () => {
    // A tip, so that the proposer is paid and its account written.
    const tx = (value: bigint) => signTx(alice, { to: addr(bob), value, maxPriorityFeePerGas: GWEI });
    const base = (await execute(testApp(), [await tx(1n)])).appHash;
    assert.equal((await execute(testApp(), [await tx(1n)])).appHash, base);
    assert.notEqual((await execute(testApp(), [await tx(1n)], addr(carol))).appHash, base);
    assert.notEqual((await execute(testApp(), [await tx(2n)])).appHash, base);
    assert.notEqual((await execute(testApp(), [])).appHash, base);
  });

  it("follows the spec: keccak256(RLP([parent, keccak256(RLP(sorted writes))])), appHash entry excluded", async () => {
    const app = testApp();
    const parent = app.appHash();
    const result = await execute(app, []);
    const hashed = result.stateWrites.filter(([key]) => bytesToHex(key) !== bytesToHex(APP_HASH_KEY));
    assert.equal(hashed.length, result.stateWrites.length - 1);
    // An empty block changes only the height.
    assert.deepEqual(
      hashed.map(([k]) => new TextDecoder().decode(k.subarray(1))),
      ["height"],
    );
    const writesHash = keccak256(encodeRlp(hashed.map(([k, v]) => (v === null ? [k] : [k, v]))));
    assert.equal(result.appHash, keccak256(encodeRlp([parent, writesHash])));
    const appHashEntry = result.stateWrites.find(([k]) => bytesToHex(k) === bytesToHex(APP_HASH_KEY));
    assert.equal(bytesToHex(appHashEntry?.[1] as Uint8Array), result.appHash);
  });

  it("writes are sorted by key and use the documented layout", async () => {
    const app = testApp();
    const tip = { maxPriorityFeePerGas: GWEI };
    const result = await execute(app, [await signTx(alice, { to: addr(bob), value: 1n, ...tip })]);
    const keys = result.stateWrites.map(([k]) => bytesToHex(k));
    assert.deepEqual(keys, [...keys].sort());
    const account = (a: Address) => bytesToHex(concatBytes(Uint8Array.of(KEY_PREFIX.account), hexToBytes(a)));
    for (const a of [addr(alice), addr(bob), PROPOSER, GAS_POOL_ADDRESS])
      assert.ok(keys.includes(account(a)), a);
    const aliceValue = result.stateWrites.find(([k]) => bytesToHex(k) === account(addr(alice)))?.[1];
    const expectedBalance = 1000n * ETHER - 1n - 21_000n * (BASE_FEE + GWEI);
    assert.equal(
      bytesToHex(aliceValue as Uint8Array),
      encodeRlp(["0x01", `0x${expectedBalance.toString(16)}`]),
    );
  });

  it("executeBlock changes nothing until commit; a result for a state that moved on is refused", async () => {
    const app = testApp();
    const genesisHash = app.appHash();
    const tx = await signTx(alice, { to: addr(bob), value: ETHER });
    const round0 = await execute(app, [tx]);
    const round1 = await execute(app, []);
    assert.equal(app.balance(addr(bob)), 1000n * ETHER);
    assert.equal(app.nonce(addr(alice)), 0n);
    assert.equal(app.appHash(), genesisHash);
    assert.equal(app.height(), 0);
    assert.equal(app.checkTx(tx).ok, true);

    app.commit(round1);
    assert.equal(app.height(), 1);
    assert.equal(app.appHash(), round1.appHash);
    assert.throws(
      () => app.commit(round0),
      (e: unknown) => e instanceof AppError && e.code === "stale-result",
    );
    assert.throws(
      () => app.commit(round1),
      (e: unknown) => e instanceof AppError && e.code === "stale-result",
    );
    assert.equal(app.balance(addr(bob)), 1000n * ETHER);
  });

  it("saves to key/value writes and loads back: same state, same continuation", async () => {
    const genesis = testGenesis();
    const store = new MemoryStore();
    const a = createApplication(genesis, null);
    store.apply(a.snapshotWrites());
    const blocks = await scriptedBlocks();
    for (const txs of blocks) {
      const result = await execute(a, txs);
      store.apply(result.stateWrites);
      a.commit(result);
    }
    const b = createApplication(genesis, store.load());
    assert.equal(b.height(), a.height());
    assert.equal(b.appHash(), a.appHash());
    assert.deepEqual(b.snapshotWrites(), a.snapshotWrites());
    assert.deepEqual(b.validatorSet(), a.validatorSet());
    assert.equal(b.stakeOf(addr(carol)), 4n * ETHER);
    assert.deepEqual(b.unbondingOf(addr(val1)), a.unbondingOf(addr(val1)));
    assert.deepEqual(b.tokens(), a.tokens());

    const next = [
      await signTx(bob, { to: addr(alice), value: 5n, nonce: 2 }),
      await signTx(carol, { to: addr(bob), nonce: 1 }),
    ];
    const ra = await execute(a, next);
    const rb = await execute(b, next);
    assert.equal(rb.appHash, ra.appHash);
    assert.deepEqual(rb.stateWrites, ra.stateWrites);
  });

  it("a fresh node's genesis writes load into the genesis state", async () => {
    const genesis = testGenesis();
    const init = initialState(genesis);
    const loaded = createApplication(
      genesis,
      init.writes.map(([k, v]) => [k, v as Uint8Array] as const),
    );
    assert.equal(loaded.appHash(), init.appHash);
    assert.equal(loaded.height(), 0);
    assert.deepEqual(loaded.validatorSet(), init.validators);
  });

  it("refuses a corrupt or incomplete state", async () => {
    const genesis = testGenesis();
    const entries = initialState(genesis).writes.map(
      ([k, v]) => [k, v as Uint8Array] as [Uint8Array, Uint8Array],
    );
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e instanceof AppError ? e.code : String(e);
      }
      return "ok";
    };
    assert.equal(
      code(() =>
        createApplication(
          genesis,
          entries.filter(([k]) => k[0] !== 0),
        ),
      ),
      "invalid-state",
    );
    const badValue = entries.map(
      ([k, v]) => [k, k[0] === KEY_PREFIX.account ? Uint8Array.of(0xc1) : v] as const,
    );
    assert.equal(
      code(() => createApplication(genesis, badValue)),
      "invalid-state",
    );
    assert.equal(
      code(() => createApplication(genesis, [...entries, [Uint8Array.of(0x7f, 1), Uint8Array.of(1)]])),
      "invalid-state",
    );
  });
});

describe("app: copy-on-write tables", () => {
  it("an overlay hides, adds and deletes without touching its parent until merged", async () => {
    const root = new Table<number>();
    root.set("a", 1);
    root.set("b", 2);
    const block = root.child();
    const tx = block.child();
    tx.set("c", 3);
    tx.delete("a");
    assert.equal(tx.get("a"), undefined);
    assert.equal(block.get("a"), 1);
    assert.deepEqual(tx.entries(), [
      ["b", 2],
      ["c", 3],
    ]);
    tx.mergeIntoParent();
    assert.deepEqual(block.entries(), [
      ["b", 2],
      ["c", 3],
    ]);
    assert.deepEqual(root.entries(), [
      ["a", 1],
      ["b", 2],
    ]);
    assert.deepEqual(
      [...block.changes()],
      [
        ["c", 3],
        ["a", null],
      ],
    );
    block.mergeIntoParent();
    assert.deepEqual(root.entries(), [
      ["b", 2],
      ["c", 3],
    ]);
    assert.deepEqual(
      [...root.changes()],
      [
        ["b", 2],
        ["c", 3],
      ],
    );
  });
});

describe("app: genesis validation", () => {
  const invalid = (overrides: Partial<AppGenesis>, message: RegExp) => {
    assert.throws(
      () => createApplication(testGenesis(overrides), null),
      (e: unknown) => e instanceof AppError && e.code === "invalid-genesis" && message.test(e.message),
    );
  };
  const g = testGenesis();

  it("checks parameters, validators, allocations and tokens with clear messages", async () => {
    invalid({ chainId: 0n }, /chainId/);
    invalid({ epochLength: 0 }, /epochLength/);
    invalid({ unbondingEpochs: -1 }, /unbondingEpochs/);
    invalid({ minGasPrice: -1n }, /minGasPrice/);
    invalid({ validators: [] }, /at least one validator/);
    invalid({ validators: [{ address: addr(val1), stake: ETHER - 1n }] }, /below the minimum/);
    invalid({ validators: [...g.validators, ...g.validators] }, /listed twice/);
    invalid({ validators: [{ address: addr(val1).toUpperCase() as Address, stake: ETHER }] }, /lowercase/);
    invalid({ alloc: [...g.alloc, { address: addr(alice), balance: 1n }] }, /twice/);
    invalid({ alloc: [{ address: BRIDGE_ADDRESS, balance: 1n }] }, /system contract/);
    invalid({ alloc: [{ address: ODOL, balance: 1n }] }, /system contract or token/);
    invalid({ alloc: [{ address: addr(alice), balance: 2n * 10n ** 36n }] }, /power cap/);
    invalid({ nativeTokens: [...g.nativeTokens, ...g.nativeTokens] }, /declared twice/);
    invalid({ nativeTokens: [{ name: "", symbol: "X", decimals: 1, alloc: [] }] }, /name/);
    invalid({ nativeTokens: [{ name: "X", symbol: "X", decimals: 300, alloc: [] }] }, /decimals/);
  });

  it("locks validator stakes on top of the allocations", async () => {
    const app = testApp();
    const allocated = g.alloc.reduce((s, a) => s + a.balance, 0n);
    assert.equal(await app.nativeSupply(), allocated + 20n * ETHER);
    assert.equal(app.balance(STAKING_ADDRESS), 20n * ETHER);
    assert.equal(app.balance(addr(val1)), 1000n * ETHER);
  });
});

describe("app: native supply is conserved (property)", () => {
  type Op =
    | { kind: "transfer"; from: number; to: number; value: bigint; tip: bigint }
    | { kind: "stake" | "unstake"; from: number; amount: bigint }
    | { kind: "withdrawUnbonded"; from: number };

  const who = fc.integer({ min: 0, max: WALLETS.length - 1 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant("transfer" as const),
      from: who,
      to: fc.integer({ min: 0, max: WALLETS.length }),
      value: fc.bigInt({ min: 0n, max: 1200n * ETHER }),
      tip: fc.bigInt({ min: 0n, max: 5n * GWEI }),
    }),
    fc.record({
      kind: fc.constantFrom("stake" as const, "unstake" as const),
      from: who,
      amount: fc.bigInt({ min: 0n, max: 15n * ETHER }),
    }),
    fc.record({ kind: fc.constant("withdrawUnbonded" as const), from: who }),
  );

  function total(app: Application): bigint {
    const holders = [...WALLETS.map(addr), PROPOSER, GAS_POOL_ADDRESS, addr(carol)];
    let sum = 0n;
    for (const a of new Set(holders)) {
      const u = app.unbondingOf(a);
      sum += app.balance(a) + app.stakeOf(a) + u.pending + u.withdrawable;
    }
    return sum;
  }

  it("balances + stakes + unbonding + fees stay equal to the genesis supply", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(op, fc.integer({ min: 0, max: WALLETS.length })), { maxLength: 12 }),
        async (ops) => {
          const app = testApp({ epochLength: 2, unbondingEpochs: 0 });
          const supply = total(app);
          for (const [o, p] of ops) {
            const w = WALLETS[o.from] as (typeof WALLETS)[number];
            const nonce = Number(app.nonce(addr(w)));
            const raw =
              o.kind === "transfer"
                ? await signTx(w, {
                    to: o.to === WALLETS.length ? PROPOSER : addr(WALLETS[o.to] as typeof w),
                    value: o.value,
                    nonce,
                    maxFeePerGas: 10n * GWEI,
                    maxPriorityFeePerGas: o.tip,
                  })
                : await signTx(w, {
                    to: STAKING_ADDRESS,
                    nonce,
                    data: staking.encodeFunctionData(o.kind, o.kind === "withdrawUnbonded" ? [] : [o.amount]),
                  });
            const proposer = p === WALLETS.length ? PROPOSER : addr(WALLETS[p] as typeof w);
            const built = await app.buildBlock({ height: app.height() + 1, time: 0, proposer }, [
              app.decodeTx(raw),
            ]);
            app.commit(built.result);
            assert.equal(total(app), supply);
            assert.equal(await app.nativeSupply(), supply);
          }
          assert.ok(app.validatorSet().length >= 1);
        },
      ),
      { numRuns: 25, seed: 4242 },
    );
  });
});
