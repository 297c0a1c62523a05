import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextBaseFee } from "../../node/app/baseFee.ts";
import { GAS_POOL_ADDRESS } from "../../node/app/index.ts";
import {
  addr,
  alice,
  BASE_FEE,
  bob,
  GWEI,
  PROPOSER,
  runBlock,
  signTx,
  testApp,
} from "../helpers/appFixture.ts";

describe("app: EIP-1559 base fee", () => {
  it("moves by at most 1/8 towards half-full blocks, never below the floor", () => {
    const limit = 30_000_000n;
    assert.equal(nextBaseFee(8n * GWEI, 15_000_000n, limit, GWEI), 8n * GWEI, "at the target it stays");
    assert.equal(nextBaseFee(8n * GWEI, 30_000_000n, limit, GWEI), 9n * GWEI, "a full block: +1/8");
    assert.equal(nextBaseFee(8n * GWEI, 0n, limit, GWEI), 7n * GWEI, "an empty block: -1/8");
    assert.equal(nextBaseFee(GWEI, 0n, limit, GWEI), GWEI, "the floor holds");
    assert.equal(
      nextBaseFee(7n, 15_000_001n, limit, 1n),
      8n,
      "a block over the target raises it by at least 1",
    );
  });

  it("a block over the target raises the next base fee, which checkTx and the next block then require", async () => {
    // A gas limit of 100,000 puts the target at 50,000: three transfers (63,000 gas) go over it.
    const app = testApp({ blockGasLimit: 100_000n });
    assert.equal(app.baseFee(), BASE_FEE);
    const transfers = await Promise.all(
      [0, 1, 2].map((nonce) => signTx(alice, { to: addr(bob), value: 1n, nonce, gasLimit: 21_000n })),
    );
    const first = await runBlock(app, transfers);
    assert.equal(first.baseFee, BASE_FEE);
    const raised = nextBaseFee(BASE_FEE, 63_000n, 100_000n, BASE_FEE);
    assert.ok(raised > BASE_FEE);
    assert.equal(app.baseFee(), raised);
    assert.equal(app.balance(GAS_POOL_ADDRESS), 63_000n * BASE_FEE, "the base fee of every transaction");

    const underpriced = await signTx(alice, {
      to: addr(bob),
      nonce: 3,
      maxFeePerGas: BASE_FEE,
      gasLimit: 21_000n,
    });
    const refused = app.checkTx(underpriced);
    assert.equal(refused.ok ? "ok" : refused.error.code, "tx-underpriced");
    await assert.rejects(
      app.executeBlock({ height: 2, time: 2, proposer: PROPOSER }, [underpriced]),
      /max fee per gas less than block base fee/,
    );
    const paying = await signTx(alice, {
      to: addr(bob),
      nonce: 3,
      maxFeePerGas: 2n * raised,
      maxPriorityFeePerGas: 1n,
      gasLimit: 21_000n,
    });
    const second = await runBlock(app, [paying]);
    assert.equal(second.baseFee, raised);
    assert.equal(second.receipts[0]?.effectiveGasPrice, raised + 1n);
    assert.equal(app.balance(PROPOSER), 21_000n, "the tip, 1 wei per gas");
    // 21,000 is under the target: the base fee falls again.
    assert.ok(app.baseFee() < raised);
  });

  it("the block gas limit bounds a block: a transaction that does not fit is left out or makes it invalid", async () => {
    const app = testApp({ blockGasLimit: 50_000n });
    const txs = await Promise.all(
      [0, 1, 2].map((nonce) => signTx(alice, { to: addr(bob), value: 1n, nonce, gasLimit: 21_000n })),
    );
    const built = await app.buildBlock(
      { height: 1, time: 1, proposer: PROPOSER },
      txs.map((raw) => app.decodeTx(raw)),
    );
    assert.equal(built.txs.length, 2);
    assert.equal(built.rejected[0]?.error.code, "block-gas-exceeded");
    await assert.rejects(
      app.executeBlock({ height: 1, time: 1, proposer: PROPOSER }, txs),
      /tx 2: gas limit reached/,
    );
    const tooBig = await signTx(alice, { to: addr(bob), gasLimit: 50_001n });
    const refused = app.checkTx(tooBig);
    assert.equal(refused.ok ? "ok" : refused.error.code, "tx-gas-limit");
  });
});
