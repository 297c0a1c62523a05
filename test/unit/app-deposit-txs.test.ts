import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress } from "ethers";
import {
  type Application,
  BRIDGE_ADDRESS,
  bridgedTokenAddress,
  bridgeInterface,
  erc20Interface,
} from "../../node/app/index.ts";
import { type DepositClaim, depositTxHash, ETH_TOKEN, encodeDepositTx } from "../../node/types/index.ts";
import { addr, alice, bob, PROPOSER, runClaimsBlock, signTx, testApp } from "../helpers/appFixture.ts";
import { DEPOSITOR, ethClaim, L1_USDC, usdcClaim } from "../helpers/depositClaims.ts";

const USDC = bridgedTokenAddress(L1_USDC);
const WETH = bridgedTokenAddress(ETH_TOKEN);
const ZERO = getAddress(`0x${"00".repeat(20)}`);
const UINT256_MAX = (1n << 256n) - 1n;

const parsed = (log: { topics: string[]; data: string } | undefined) =>
  log === undefined ? null : (erc20Interface.parseLog(log) ?? bridgeInterface.parseLog(log));

describe("app: deposit transactions (0x7e)", () => {
  it("each deposit is a fee-free transaction from the bridge, before the block's transactions", async () => {
    const app = testApp();
    const transfer = await signTx(alice, {
      to: USDC,
      data: erc20Interface.encodeFunctionData("transfer", [addr(bob), 400n]),
    });
    const claims = [usdcClaim(0n), ethClaim(1n, 5n, addr(bob))];
    const result = await runClaimsBlock(app, claims, [transfer]);

    assert.equal(result.receipts.length, 3);
    assert.equal(result.txResults.length, 1, "txResults stay one per signed transaction");
    const [usdc, weth, tx] = result.receipts;
    for (const [receipt, c, token] of [
      [usdc, claims[0], USDC],
      [weth, claims[1], WETH],
    ] as const) {
      assert.deepEqual(
        {
          txHash: receipt?.txHash,
          status: receipt?.status,
          gasUsed: receipt?.gasUsed,
          cumulativeGasUsed: receipt?.cumulativeGasUsed,
          effectiveGasPrice: receipt?.effectiveGasPrice,
          from: receipt?.from,
          to: receipt?.to,
          contractAddress: receipt?.contractAddress,
        },
        {
          txHash: depositTxHash(c as DepositClaim),
          status: 1,
          gasUsed: 0n,
          cumulativeGasUsed: 0n,
          effectiveGasPrice: 0n,
          from: BRIDGE_ADDRESS,
          to: token,
          contractAddress: null,
        },
      );
      // The first deposit of a token also creates it; the mint's Transfer is the receipt's last log.
      const logs = receipt?.logs ?? [];
      assert.deepEqual(
        logs.map((l) => parsed(l)?.name),
        ["TokenCreated", "Transfer"],
      );
      const mint = logs.at(-1);
      assert.equal(mint?.address, token);
      assert.deepEqual(parsed(mint)?.args.toArray(), [ZERO, getAddress(c?.to ?? ""), c?.amount]);
    }
    assert.equal(tx?.txHash, result.txResults[0]?.hash);
    assert.equal(tx?.from, addr(alice));
    assert.equal(tx?.cumulativeGasUsed, tx?.gasUsed, "deposits use no gas before the transactions");
  });

  it("every node derives the same deposit transactions: hashes and receipts match", async () => {
    const claims = [usdcClaim(0n), usdcClaim(1n, { to: addr(bob), amount: 7n }), ethClaim(2n, 3n)];
    const [a, b] = [testApp(), testApp()];
    const ra = await runClaimsBlock(a as Application, claims);
    const rb = await runClaimsBlock(b as Application, claims);
    assert.deepEqual(rb.receipts, ra.receipts);
    assert.equal(rb.appHash, ra.appHash);
    assert.deepEqual(
      ra.receipts.map((r) => r.txHash),
      claims.map(depositTxHash),
    );
    assert.equal(new Set(ra.receipts.map((r) => r.txHash)).size, 3);
  });

  it("a deposit that credits nothing (past uint256) still has its transaction and a receipt, without logs", async () => {
    const app = testApp();
    await runClaimsBlock(app, [usdcClaim(0n, { amount: UINT256_MAX })]);
    const overflow = usdcClaim(1n, { to: addr(bob), amount: 1n });
    const result = await runClaimsBlock(app, [overflow]);
    assert.equal(app.tokenBalance(USDC, addr(bob)), 0n);
    assert.deepEqual(result.receipts, [
      {
        txHash: depositTxHash(overflow),
        status: 1,
        gasUsed: 0n,
        cumulativeGasUsed: 0n,
        effectiveGasPrice: 0n,
        from: BRIDGE_ADDRESS,
        to: USDC,
        logs: [],
        contractAddress: null,
      },
    ]);
    assert.equal(result.deposits[0]?.from, DEPOSITOR);
  });

  it("no one can send a deposit transaction: its type is refused as a signed transaction", () => {
    const app = testApp();
    const check = app.checkTx(encodeDepositTx(usdcClaim(0n)));
    assert.equal(check.ok, false);
    assert.equal(check.ok ? null : check.error.code, "tx-type-not-supported");
  });

  it("buildBlock gives the proposer the same deposit receipts as executeBlock", async () => {
    const claims = [ethClaim(0n, 3n), usdcClaim(1n)];
    const proposer = testApp();
    const built = await proposer.buildBlock({ height: 1, time: 1_000, proposer: PROPOSER }, [], claims);
    const validator = testApp();
    const executed = await runClaimsBlock(validator, claims);
    assert.deepEqual(built.result.receipts, executed.receipts);
  });
});
