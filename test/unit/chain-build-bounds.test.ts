import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Wallet } from "ethers";
import { addr, alice, bob, carol, signTx, val1 } from "../helpers/appFixture.ts";
import { openTestChain } from "../helpers/chainFixture.ts";

/** A clock that moves `step` ms every time it is read: building's time then depends on the work done only. */
function steppingClock(step: number): () => number {
  let t = 0;
  return () => {
    t += step;
    return t;
  };
}

const frozen = () => 0;

/** Six transfers: nonces 0-1 of alice, bob and carol. */
async function sixTransfers(): Promise<Uint8Array[]> {
  const raws: Uint8Array[] = [];
  for (const w of [alice, bob, carol] as Wallet[])
    for (const nonce of [0, 1]) raws.push(await signTx(w, { to: addr(val1), value: 1n, nonce }));
  return raws;
}

describe("chain: a proposal stays within what validators can check in time", () => {
  it("stops adding transactions once building has used its time budget, and the block is valid", async (t) => {
    // Every read of the build clock advances 10 ms: the budget of 45 ms lets 4 candidates in, then closes.
    const a = await openTestChain(t, {
      limits: { buildBudgetMs: 45 },
      timing: { elapsed: steppingClock(10) },
      mempoolElapsed: frozen,
    });
    const b = await openTestChain(t);
    for (const raw of await sixTransfers()) a.mempool.add(raw);
    const built = await a.chain.buildBlock(1, addr(val1));
    assert.equal(built.block.txs.length, 4);
    assert.equal(await b.chain.validateBlock(1, built), true);

    const unbounded = await openTestChain(t, { mempoolElapsed: frozen });
    for (const raw of await sixTransfers()) unbounded.mempool.add(raw);
    assert.equal((await unbounded.chain.buildBlock(1, addr(val1))).block.txs.length, 6);
  });

  it("sizes the block by this node's measured check cost, for validators that lack some transactions", async (t) => {
    // Each check measured at 40 ms; a quarter of the txs assumed unknown: 10 ms each against a 45 ms budget.
    const a = await openTestChain(t, {
      limits: { buildBudgetMs: 45, assumedUnknownShare: 0.25 },
      timing: { elapsed: frozen },
      mempoolElapsed: steppingClock(40),
    });
    for (const raw of await sixTransfers()) a.mempool.add(raw);
    assert.equal(a.mempool.checkCostMs, 40);
    const built = await a.chain.buildBlock(1, addr(val1));
    assert.equal(built.block.txs.length, 4);
  });

  it("fills the block as Ethereum's gas pool does: each gas limit within what the block has left", async (t) => {
    // signTx's gas limit is 100,000 and a transfer uses 21,000: of 150,000, three fit (150k, 129k, 108k left),
    // then 87,000 is left, too little for the next; the senders keep their order, so none has a gap.
    const genesis = { blockGasLimit: 150_000n };
    const a = await openTestChain(t, { genesis });
    const b = await openTestChain(t, { genesis });
    for (const raw of await sixTransfers()) a.mempool.add(raw);
    const built = await a.chain.buildBlock(1, addr(val1));
    assert.equal(built.block.txs.length, 3);
    assert.equal(await b.chain.validateBlock(1, built), true);
    assert.equal(a.mempool.size, 6, "what did not fit stays in the pool");
  });

  it("a validator lacking the block's transactions decodes them with yields to the event loop", async (t) => {
    const a = await openTestChain(t);
    let yields = 0;
    const lacking = await openTestChain(t, {
      timing: { elapsed: steppingClock(25), yieldNow: async () => void yields++ },
    });
    let heldYields = 0;
    const holding = await openTestChain(t, {
      timing: { elapsed: steppingClock(25), yieldNow: async () => void heldYields++ },
    });
    const raws = await sixTransfers();
    for (const raw of raws) {
      a.mempool.add(raw);
      holding.mempool.add(raw);
    }
    const built = await a.chain.buildBlock(1, addr(val1));
    assert.equal(built.block.txs.length, 6);
    assert.equal(await lacking.chain.validateBlock(1, built), true);
    // Every unknown decode reads the clock past the 20 ms slice, so the check yields after each.
    assert.equal(yields, 6);
    assert.equal(await holding.chain.validateBlock(1, built), true);
    assert.equal(heldYields, 0, "a node holding every transaction has nothing to decode");
  });
});
