import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Wallet } from "ethers";
import type { Application } from "../../node/app/index.ts";
import { keccak256Hex } from "../../node/crypto/index.ts";
import {
  createMempool,
  type Mempool,
  MempoolError,
  type MempoolErrorCode,
  type MempoolOptions,
  type PendingTx,
} from "../../node/mempool/index.ts";
import {
  addr,
  alice,
  BASE_FEE,
  bob,
  carol,
  ETHER,
  GWEI,
  PROPOSER,
  runBlock,
  signTx,
  testApp,
  val1,
} from "../helpers/appFixture.ts";

function pool(app: Application, opts: Partial<MempoolOptions> = {}): Mempool {
  return createMempool(
    {
      maxTxs: 100,
      maxPerSender: 16,
      maxTxBytes: 128 * 1024,
      priceBumpPercent: 10,
      baseFee: BASE_FEE,
      ...opts,
    },
    {
      checkTx: (raw) => app.checkTx(raw),
      account: (address) => ({ nonce: app.nonce(address), balance: app.balance(address) }),
    },
  );
}

/** A transfer whose effective price is base fee + tip (the fee cap leaves room for the tip). */
function transfer(w: Wallet, nonce: number, tipGwei: bigint, extra: Parameters<typeof signTx>[1] = {}) {
  return signTx(w, {
    to: addr(bob),
    value: 1n,
    nonce,
    maxFeePerGas: 100n * GWEI,
    maxPriorityFeePerGas: tipGwei * GWEI,
    ...extra,
  });
}

function refuses(mempool: Mempool, raw: Uint8Array, code: MempoolErrorCode, message?: RegExp): MempoolError {
  let caught: unknown;
  try {
    mempool.add(raw);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof MempoolError, `expected MempoolError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

const hashOf = (raw: Uint8Array) => keccak256Hex(raw);

describe("mempool: admission", () => {
  it("accepts a valid transaction once, tells listeners, and serves it by hash", async () => {
    const app = testApp();
    const mempool = pool(app);
    const heard: PendingTx[] = [];
    const unsubscribe = mempool.onAdded((tx) => heard.push(tx));
    const raw = await transfer(alice, 0, 1n);
    const added = mempool.add(raw);
    assert.deepEqual(added, { hash: hashOf(raw), replaced: null, evicted: null });
    assert.equal(mempool.size, 1);
    assert.equal(mempool.bytes, raw.length);
    assert.ok(mempool.has(hashOf(raw)));
    const pending = mempool.get(hashOf(raw));
    assert.equal(pending?.from, addr(alice));
    assert.equal(pending?.price, BASE_FEE + GWEI);
    assert.deepEqual(pending?.raw, raw);
    assert.deepEqual(
      heard.map((t) => t.hash),
      [hashOf(raw)],
    );
    refuses(mempool, raw, "already-known", /already known/);
    unsubscribe();
    mempool.add(await transfer(alice, 1, 1n));
    assert.equal(heard.length, 1, "no longer listening");
  });

  it("maps the app's refusals to codes and geth's messages", async () => {
    const app = testApp();
    await runBlock(app, [await transfer(alice, 0, 0n)]);
    const mempool = pool(app, { maxTxBytes: 2_000 });
    refuses(mempool, await transfer(alice, 0, 1n), "nonce-too-low", /nonce too low/);
    refuses(
      mempool,
      await transfer(carol, 0, 0n, { value: 1000n * ETHER }),
      "insufficient-funds",
      /insufficient funds/,
    );
    refuses(
      mempool,
      await signTx(carol, { to: addr(bob), type: 0, gasPrice: BASE_FEE - 1n }),
      "underpriced",
      /underpriced/,
    );
    refuses(mempool, await transfer(carol, 0, 0n, { gasLimit: 20_000n }), "intrinsic-gas");
    const wrongChain = refuses(mempool, await transfer(carol, 0, 0n, { chainId: 1n }), "invalid");
    assert.equal(wrongChain.appCode, "tx-wrong-chain");
    refuses(mempool, await transfer(carol, 0, 0n, { data: `0x${"01".repeat(3_000)}` }), "too-large");
    assert.equal(mempool.size, 0);
  });

  it("replaces a same-nonce transaction only when both its fee cap and its tip rise by at least 10% (geth's rule)", async () => {
    const app = testApp();
    const mempool = pool(app);
    const heard: string[] = [];
    mempool.onAdded((tx) => heard.push(tx.hash));
    // Cap 100 gwei, tip 9 gwei.
    const original = await transfer(alice, 0, 9n);
    mempool.add(original);
    refuses(
      mempool,
      await transfer(alice, 0, 9n, { value: 2n }),
      "replacement-underpriced",
      /replacement transaction underpriced/,
    );
    // +9% on both: 109 and 9.81 gwei.
    refuses(
      mempool,
      await transfer(alice, 0, 0n, {
        maxFeePerGas: 109n * GWEI,
        maxPriorityFeePerGas: 9_810_000_000n,
        value: 3n,
      }),
      "replacement-underpriced",
      /replacement transaction underpriced: fee cap 109000000000 is below 110000000000 and tip 9810000000 is below 9900000000/,
    );
    // A higher tip under the same cap, which the effective price alone would let through.
    refuses(
      mempool,
      await transfer(alice, 0, 50n, { value: 3n }),
      "replacement-underpriced",
      /fee cap 100000000000 is below 110000000000/,
    );
    // A higher cap with the same tip.
    refuses(
      mempool,
      await transfer(alice, 0, 9n, { maxFeePerGas: 200n * GWEI, value: 3n }),
      "replacement-underpriced",
      /tip 9000000000 is below 9900000000/,
    );
    // +10% on both: 110 and 9.9 gwei.
    const replacement = await transfer(alice, 0, 0n, {
      maxFeePerGas: 110n * GWEI,
      maxPriorityFeePerGas: 9_900_000_000n,
      value: 4n,
    });
    assert.deepEqual(mempool.add(replacement), {
      hash: hashOf(replacement),
      replaced: hashOf(original),
      evicted: null,
    });
    assert.equal(mempool.size, 1);
    assert.ok(!mempool.has(hashOf(original)));
    assert.equal(mempool.get(hashOf(replacement))?.value, 4n);
    assert.deepEqual(heard, [hashOf(original), hashOf(replacement)]);

    // A legacy gasPrice is both its cap and its tip: 120 gwei is +9% over the cap of 110.
    refuses(
      mempool,
      await signTx(alice, { type: 0, to: addr(bob), nonce: 0, gasPrice: 120n * GWEI }),
      "replacement-underpriced",
    );
    // Legacy replaces type 2 and the other way round, by the same rule.
    const legacy = await signTx(alice, { type: 0, to: addr(bob), nonce: 0, gasPrice: 121n * GWEI });
    assert.equal(mempool.add(legacy).replaced, hashOf(replacement));
    refuses(
      mempool,
      await transfer(alice, 0, 133n, { maxFeePerGas: 133n * GWEI }),
      "replacement-underpriced",
    );
    const back = await transfer(alice, 0, 134n, { maxFeePerGas: 134n * GWEI });
    assert.equal(mempool.add(back).replaced, hashOf(legacy));
  });

  it("accepts a wallet's speed-up and cancel (fees * 1.1) of a transaction with a zero tip only once the tip is raised", async () => {
    const app = testApp();
    const mempool = pool(app);
    // A wallet that was told a tip of 0 cannot speed up: 0 * 1.1 is still 0.
    const stuck = await transfer(alice, 0, 0n, { maxFeePerGas: 2n * BASE_FEE });
    mempool.add(stuck);
    refuses(
      mempool,
      await transfer(alice, 0, 0n, { maxFeePerGas: (2n * BASE_FEE * 11n) / 10n }),
      "replacement-underpriced",
      /tip 0 is below 1/,
    );
    // Told a tip of 1 gwei (eth_maxPriorityFeePerGas's floor), its speed-up bumps both by 10%.
    const tipped = await transfer(alice, 1, 1n, { maxFeePerGas: 2n * BASE_FEE + GWEI });
    mempool.add(tipped);
    const bumped = {
      maxFeePerGas: ((2n * BASE_FEE + GWEI) * 11n) / 10n,
      maxPriorityFeePerGas: (GWEI * 11n) / 10n,
    };
    const speedUp = await transfer(alice, 1, 0n, { ...bumped, value: 1n });
    assert.equal(mempool.add(speedUp).replaced, hashOf(tipped));
    // Cancel: a 0-value send to oneself at the same nonce, bumped again.
    const cancel = await signTx(alice, {
      to: addr(alice),
      value: 0n,
      nonce: 1,
      maxFeePerGas: (bumped.maxFeePerGas * 11n) / 10n,
      maxPriorityFeePerGas: (bumped.maxPriorityFeePerGas * 11n) / 10n,
    });
    assert.equal(mempool.add(cancel).replaced, hashOf(speedUp));
    assert.equal(mempool.get(hashOf(cancel))?.to, addr(alice));
    // +9% is refused with geth's message.
    const nine = await signTx(alice, {
      to: addr(alice),
      value: 0n,
      nonce: 1,
      maxFeePerGas: (bumped.maxFeePerGas * 11n * 109n) / 1000n,
      maxPriorityFeePerGas: (bumped.maxPriorityFeePerGas * 11n * 109n) / 1000n,
    });
    refuses(mempool, nine, "replacement-underpriced", /^replacement transaction underpriced/);
  });

  it("limits transactions per sender and how far ahead of the account nonce they may be", async () => {
    const app = testApp();
    const mempool = pool(app, { maxPerSender: 3 });
    for (const n of [0, 1, 2]) mempool.add(await transfer(alice, n, 1n));
    refuses(mempool, await transfer(alice, 3, 1n), "sender-limit", /account limit exceeded/);
    refuses(mempool, await transfer(bob, 3, 1n), "nonce-too-high", /nonce too high/);
    mempool.add(await transfer(bob, 2, 1n)); // within the window, with a gap
    assert.equal(mempool.size, 4);
    // Replacing inside a full sender queue is still possible.
    assert.notEqual(mempool.add(await transfer(alice, 1, 5n, { maxFeePerGas: 110n * GWEI })).replaced, null);
  });
});

describe("mempool: a full pool evicts the cheapest transaction it can drop without a nonce gap", () => {
  it("evicts from the tail of a sender's queue, never a lower nonce under a higher one", async () => {
    const app = testApp();
    const mempool = pool(app, { maxTxs: 3 });
    const a0 = await transfer(alice, 0, 1n); // the cheapest, but alice's nonce 1 depends on it
    const a1 = await transfer(alice, 1, 8n);
    const b0 = await transfer(bob, 0, 3n);
    for (const raw of [a0, a1, b0]) mempool.add(raw);
    const c0 = await transfer(carol, 0, 5n);
    assert.deepEqual(mempool.add(c0), { hash: hashOf(c0), replaced: null, evicted: hashOf(b0) });
    assert.ok(mempool.has(hashOf(a0)) && mempool.has(hashOf(a1)) && !mempool.has(hashOf(b0)));

    // Cheaper than every evictable tail: refused. Equal is not enough either.
    refuses(mempool, await transfer(val1, 0, 4n), "pool-full", /txpool is full/);
    refuses(mempool, await transfer(val1, 0, 5n), "pool-full");

    // The incoming sender's own tail is not a candidate when the new transaction sits above it.
    const a2 = await transfer(alice, 2, 9n);
    assert.equal(mempool.add(a2).evicted, hashOf(c0));
    assert.equal(mempool.size, 3);
  });

  it("among equal prices the newest is evicted first", async () => {
    const app = testApp();
    const mempool = pool(app, { maxTxs: 2 });
    const first = await transfer(alice, 0, 2n);
    const second = await transfer(bob, 0, 2n);
    mempool.add(first);
    mempool.add(second);
    assert.equal(mempool.add(await transfer(carol, 0, 3n)).evicted, hashOf(second));
  });
});

describe("mempool: reaping for a block", () => {
  it("orders each sender by nonce from its account nonce, senders by price, and skips gapped nonces", async () => {
    const app = testApp();
    const mempool = pool(app);
    const a0 = await transfer(alice, 0, 1n);
    const a1 = await transfer(alice, 1, 7n);
    const a2 = await transfer(alice, 2, 7n);
    const b0 = await transfer(bob, 0, 3n);
    const b1 = await transfer(bob, 1, 2n);
    const c1 = await transfer(carol, 1, 9n); // carol's nonce 0 is missing
    for (const raw of [a2, c1, a1, b1, a0, b0]) mempool.add(raw);

    const reaped = mempool.reap(1_000_000, 100).map((t) => t.hash);
    // Heads: alice 2 gwei, bob 4 gwei -> bob0; then bob1 (3) vs alice0 (2) -> bob1; then alice's run.
    assert.deepEqual(reaped, [b0, b1, a0, a1, a2].map(hashOf));
    assert.ok(!reaped.includes(hashOf(c1)));
    // What the mempool reaps is a valid block.
    const result = await app.executeBlock(
      { height: 1, time: 1, proposer: PROPOSER },
      mempool.reap(1_000_000, 100).map((t) => t.raw),
    );
    assert.equal(result.receipts.length, 5);

    assert.deepEqual(
      mempool.reap(1_000_000, 2).map((t) => t.hash),
      [b0, b1].map(hashOf),
    );
    // A byte budget that fits two transactions: the third is left out with everything after it.
    const budget = b0.length + b1.length + 10;
    assert.deepEqual(
      mempool.reap(budget, 100).map((t) => t.hash),
      [b0, b1].map(hashOf),
    );
    assert.deepEqual(mempool.reap(0, 100), []);
  });

  it("equal prices are served in arrival order", async () => {
    const app = testApp();
    const mempool = pool(app);
    const c0 = await transfer(carol, 0, 2n);
    const a0 = await transfer(alice, 0, 2n);
    mempool.add(c0);
    mempool.add(a0);
    assert.deepEqual(
      mempool.reap(1_000_000, 10).map((t) => t.hash),
      [c0, a0].map(hashOf),
    );
  });

  it("pendingNonce counts the gapless run in the pool", async () => {
    const app = testApp();
    const mempool = pool(app);
    mempool.add(await transfer(alice, 0, 1n));
    mempool.add(await transfer(alice, 1, 1n));
    mempool.add(await transfer(alice, 3, 1n));
    assert.equal(mempool.pendingNonce(addr(alice)), 2n);
    assert.equal(mempool.pendingNonce(addr(bob)), 0n);
  });
});

describe("mempool: update after a commit", () => {
  it("removes committed transactions and drops those the new state invalidates", async () => {
    const app = testApp();
    const mempool = pool(app);
    const a0 = await transfer(alice, 0, 1n);
    const a1 = await transfer(alice, 1, 1n);
    const a2 = await transfer(alice, 2, 1n);
    const bobPending0 = await transfer(bob, 0, 1n, { to: addr(carol) });
    const bobPending1 = await transfer(bob, 1, 1n, { to: addr(carol), value: 500n * ETHER });
    const carol0 = await transfer(carol, 0, 1n);
    for (const raw of [a0, a1, a2, bobPending0, bobPending1, carol0]) mempool.add(raw);

    // Another proposer's block: alice 0-1 from the pool, and a different bob nonce-0 tx spending 600 ETH.
    const bobElsewhere = await transfer(bob, 0, 1n, { to: addr(alice), value: 600n * ETHER });
    const result = await runBlock(app, [a0, a1, bobElsewhere]);
    assert.equal(result.receipts.length, 3);

    const update = mempool.update(result.receipts.map((r) => r.txHash));
    assert.deepEqual(update.removed, [a0, a1].map(hashOf));
    // bobPending0: its nonce is used; bobPending1: 500 ETH no longer affordable.
    assert.deepEqual(new Set(update.dropped), new Set([bobPending0, bobPending1].map(hashOf)));
    assert.equal(mempool.size, 2);
    assert.ok(mempool.has(hashOf(a2)) && mempool.has(hashOf(carol0)));
    assert.deepEqual(
      mempool
        .reap(1_000_000, 10)
        .map((t) => t.hash)
        .sort(),
      [a2, carol0].map(hashOf).sort(),
    );
    assert.equal(mempool.bytes, a2.length + carol0.length);
  });

  it("drops a transaction that waited behind its sender's nonce gap for longer than the queued lifetime", async () => {
    const app = testApp();
    let clock = 1_000_000;
    const mempool = createMempool(
      {
        maxTxs: 100,
        maxPerSender: 16,
        maxTxBytes: 128 * 1024,
        priceBumpPercent: 10,
        baseFee: BASE_FEE,
        queuedLifetimeMs: 60_000,
      },
      {
        checkTx: (raw) => app.checkTx(raw),
        account: (address) => ({ nonce: app.nonce(address), balance: app.balance(address) }),
        now: () => clock,
      },
    );
    const includable = await transfer(alice, 0, 1n);
    const gapped = await transfer(bob, 2, 1n, { to: addr(carol) });
    mempool.add(includable);
    mempool.add(gapped);
    clock += 30_000;
    const lateGapped = await transfer(bob, 3, 1n, { to: addr(carol) });
    mempool.add(lateGapped);
    assert.deepEqual(mempool.update([]).dropped, [], "nothing is older than the lifetime yet");
    clock += 30_001;
    // The includable one is as old, but only a transaction behind a gap expires.
    assert.deepEqual(mempool.update([]).dropped, [hashOf(gapped)]);
    const status = mempool.status(hashOf(gapped));
    assert.equal(status?.status, "dropped");
    assert.match(
      status?.status === "dropped" ? status.message : "",
      /^expired: waited over 1 min behind the missing nonce 0/,
    );
    assert.ok(mempool.has(hashOf(includable)) && mempool.has(hashOf(lateGapped)));
    // Once the gap closes, age no longer matters.
    mempool.add(await transfer(bob, 0, 1n, { to: addr(carol) }));
    mempool.add(await transfer(bob, 1, 1n, { to: addr(carol) }));
    mempool.add(gapped);
    clock += 120_000;
    assert.deepEqual(mempool.update([]).dropped, []);
    assert.equal(mempool.size, 5);
  });
});
