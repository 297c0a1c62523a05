import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AppError,
  BRIDGE_ADDRESS,
  bridgedTokenAddress,
  bridgeInterface,
  creditDeposit,
  erc20Interface,
} from "../../node/app/index.ts";
import { LedgerState } from "../../node/app/state.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import { ETH_TOKEN } from "../../node/types/index.ts";
import { addr, alice, BASE_FEE, bob, ODOL, runBlock, signTx, systemTxGas } from "../helpers/appFixture.ts";
import { appWithCredits } from "../helpers/appState.ts";

const bridge = bridgeInterface;
const erc20 = erc20Interface;
const L1_USDC: Address = "0x00000000000000000000000000000000000a0a0a";
const L1_RECIPIENT: Address = "0x000000000000000000000000000000000000beef";
const WETH = bridgedTokenAddress(ETH_TOKEN);
const withdrawData = (token: Address, amount: bigint, to: Address = L1_RECIPIENT) =>
  bridge.encodeFunctionData("withdraw", [token, amount, to]) as Hex;

describe("app: creditDeposit (deposit claims call it in the next issue)", () => {
  it("creates the token on first use with the claim's metadata, then only mints", () => {
    const state = new LedgerState();
    const first = creditDeposit(state, {
      l1Token: L1_USDC,
      to: addr(alice),
      amount: 500n,
      name: "USD Coin",
      symbol: "USDC",
      decimals: 6,
    });
    const address = bridgedTokenAddress(L1_USDC);
    assert.deepEqual(first.token, {
      address,
      l1Token: L1_USDC,
      name: "USD Coin",
      symbol: "USDC",
      decimals: 6,
      totalSupply: 500n,
    });
    assert.deepEqual(
      first.logs.map((l) => l.address),
      [BRIDGE_ADDRESS, address],
    );
    assert.equal(bridge.parseLog(first.logs[0] as { topics: string[]; data: string })?.name, "TokenCreated");
    const mint = erc20.parseLog(first.logs[1] as { topics: string[]; data: string });
    assert.deepEqual([mint?.name, mint?.args[0], mint?.args[2]], ["Transfer", `0x${"00".repeat(20)}`, 500n]);

    const second = creditDeposit(state, {
      l1Token: L1_USDC,
      to: addr(bob),
      amount: 70n,
      name: "ignored",
      symbol: "IGN",
      decimals: 18,
    });
    assert.equal(second.logs.length, 1);
    assert.equal(second.token.name, "USD Coin");
    assert.equal(second.token.totalSupply, 570n);
    assert.equal(state.tokenBalance(address, addr(alice)), 500n);
    assert.equal(state.tokenBalance(address, addr(bob)), 70n);
  });

  it("maps ETH (the zero address) to the WETH token address", () => {
    const state = new LedgerState();
    const { token } = creditDeposit(state, {
      l1Token: ETH_TOKEN,
      to: addr(alice),
      amount: 1n,
      name: "Ether",
      symbol: "ETH",
      decimals: 18,
    });
    assert.equal(token.address, WETH);
    assert.equal(token.l1Token, ETH_TOKEN);
  });

  it("refuses unusable metadata for a new token", () => {
    const state = new LedgerState();
    const base = { l1Token: L1_USDC, to: addr(alice), amount: 1n, name: "A", symbol: "A", decimals: 6 };
    assert.throws(() => creditDeposit(state, { ...base, decimals: 256 }), AppError);
    assert.throws(() => creditDeposit(state, { ...base, name: "x".repeat(65) }), AppError);
    assert.throws(() => creditDeposit(state, { ...base, symbol: "\ud800" }), AppError);
    assert.equal(state.tokens.entries().length, 0);
  });
});

describe("app: bridge withdraw", () => {
  it("burns the token, records withdrawals with sequential ids and emits WithdrawalInitiated", async () => {
    const funded = fundedApp();
    const usdc = bridgedTokenAddress(L1_USDC);
    const result = await runBlock(funded, [
      await signTx(alice, { to: BRIDGE_ADDRESS, data: withdrawData(usdc, 100n), nonce: 0 }),
      await signTx(alice, { to: BRIDGE_ADDRESS, data: withdrawData(WETH, 3n, addr(bob)), nonce: 1 }),
    ]);
    assert.deepEqual(
      result.receipts.map((r) => [r.status, r.gasUsed]),
      [
        [1, systemTxGas("bridge", withdrawData(usdc, 100n))],
        [1, systemTxGas("bridge", withdrawData(WETH, 3n, addr(bob)))],
      ],
    );
    assert.equal(funded.tokenBalance(usdc, addr(alice)), 400n);
    assert.equal(funded.token(usdc)?.totalSupply, 400n);
    assert.equal(funded.tokenBalance(WETH, addr(alice)), 7n);
    assert.deepEqual(result.withdrawals, [
      { id: 0n, l1Token: L1_USDC, l1Recipient: L1_RECIPIENT, amount: 100n, height: 1 },
      { id: 1n, l1Token: ETH_TOKEN, l1Recipient: addr(bob), amount: 3n, height: 1 },
    ]);
    assert.deepEqual(funded.withdrawal(1n), result.withdrawals[1]);
    assert.equal(funded.withdrawal(2n), null);
    assert.equal(funded.nextWithdrawalId(), 2n);

    const [burn, initiated] = result.receipts[0]?.logs ?? [];
    assert.equal(burn?.address, usdc);
    const burnLog = erc20.parseLog(burn as { topics: string[]; data: string });
    assert.deepEqual([burnLog?.args[1], burnLog?.args[2]], [`0x${"00".repeat(20)}`, 100n]);
    assert.equal(initiated?.address, BRIDGE_ADDRESS);
    const event = bridge.parseLog(initiated as { topics: string[]; data: string });
    assert.equal(event?.name, "WithdrawalInitiated");
    assert.deepEqual(
      [
        event?.args.id,
        event?.args.l1Token.toLowerCase(),
        event?.args.l1Recipient.toLowerCase(),
        event?.args.amount,
      ],
      [0n, L1_USDC, L1_RECIPIENT, 100n],
    );
    assert.equal(event?.args.from.toLowerCase(), addr(alice));
    assert.equal(bridge.decodeFunctionResult("withdraw", result.txResults[1]?.returnData ?? "0x")[0], 1n);

    // Ids continue across blocks.
    const next = await runBlock(funded, [
      await signTx(alice, { to: BRIDGE_ADDRESS, data: withdrawData(usdc, 1n), nonce: 2 }),
    ]);
    assert.equal(next.withdrawals[0]?.id, 2n);
    assert.equal(next.withdrawals[0]?.height, 2);
  });

  it("refuses an L1 recipient of zero, which L1 could only burn, with a clear error and nothing burned", async () => {
    const app = fundedApp();
    const usdc = bridgedTokenAddress(L1_USDC);
    const result = await runBlock(app, [
      await signTx(alice, {
        to: BRIDGE_ADDRESS,
        data: withdrawData(WETH, 1n, `0x${"00".repeat(20)}`),
        nonce: 0,
      }),
      await signTx(alice, {
        to: BRIDGE_ADDRESS,
        data: withdrawData(usdc, 1n, `0x${"00".repeat(20)}`),
        nonce: 1,
      }),
    ]);
    assert.deepEqual(
      result.receipts.map((r) => r.status),
      [0, 0],
    );
    for (const tx of result.txResults)
      assert.equal(tx.error, "execution reverted: bridge: L1 recipient is the zero address");
    assert.equal(result.withdrawals.length, 0);
    assert.equal(app.tokenBalance(WETH, addr(alice)), 10n);
    assert.equal(app.tokenBalance(usdc, addr(alice)), 500n);
  });

  it("refuses the L1 bridge itself as the L1 recipient, which it would refuse to pay, when the chain knows it", async () => {
    const L1_BRIDGE = `0x${"b1".repeat(20)}` as Address;
    const credits = [
      { l1Token: L1_USDC, to: addr(alice), amount: 500n, name: "USD Coin", symbol: "USDC", decimals: 6 },
    ];
    const usdc = bridgedTokenAddress(L1_USDC);
    const toBridge = () =>
      signTx(alice, {
        to: BRIDGE_ADDRESS,
        data: withdrawData(usdc, 1n, L1_BRIDGE.toUpperCase().replace("0X", "0x") as Hex),
        nonce: 0,
      });
    const bridged = appWithCredits(credits, { l1: { bridge: L1_BRIDGE } });
    const refused = await runBlock(bridged, [await toBridge()]);
    assert.equal(refused.receipts[0]?.status, 0);
    assert.equal(
      refused.txResults[0]?.error,
      "execution reverted: bridge: L1 recipient is the L1 bridge itself",
    );
    assert.equal(refused.withdrawals.length, 0);
    assert.equal(bridged.tokenBalance(usdc, addr(alice)), 500n, "nothing burned");
    // A chain without an L1 section cannot know the address, and the L1 check stays the one that holds.
    const unbridged = appWithCredits(credits);
    assert.equal((await runBlock(unbridged, [await toBridge()])).withdrawals.length, 1);
  });

  it("refuses sidechain-native tokens, unknown tokens, zero amounts, zero recipients and overdrafts (status 0, fee paid)", async () => {
    const app = fundedApp();
    const usdc = bridgedTokenAddress(L1_USDC);
    const cases: Hex[] = [
      withdrawData(ODOL, 1n),
      withdrawData(bridgedTokenAddress(`0x${"77".repeat(20)}`), 1n),
      withdrawData(usdc, 0n),
      withdrawData(usdc, 1n, `0x${"00".repeat(20)}`),
      withdrawData(usdc, 501n),
      bridge.encodeFunctionData("withdraw", [usdc, 1n, L1_RECIPIENT]).slice(0, 40) as Hex,
    ];
    const txs = await Promise.all(
      cases.map((data, nonce) => signTx(alice, { to: BRIDGE_ADDRESS, data, nonce })),
    );
    const balance = app.balance(addr(alice));
    const result = await runBlock(app, txs);
    assert.deepEqual(
      result.receipts.map((r) => r.status),
      cases.map(() => 0),
    );
    assert.match(result.txResults[0]?.error ?? "", /sidechain-native tokens cannot be withdrawn/);
    const charged = cases.reduce((sum, data) => sum + systemTxGas("bridge", data), 0n);
    assert.equal(result.withdrawals.length, 0);
    assert.equal(app.nextWithdrawalId(), 0n);
    assert.equal(app.tokenBalance(ODOL, addr(alice)), 1_000_000n);
    assert.equal(app.tokenBalance(usdc, addr(alice)), 500n);
    assert.equal(app.balance(addr(alice)), balance - charged * BASE_FEE);
    assert.equal(app.nonce(addr(alice)), BigInt(cases.length));
  });
});

function fundedApp() {
  return appWithCredits([
    { l1Token: L1_USDC, to: addr(alice), amount: 500n, name: "USD Coin", symbol: "USDC", decimals: 6 },
    { l1Token: ETH_TOKEN, to: addr(alice), amount: 10n, name: "Ether", symbol: "ETH", decimals: 18 },
  ]);
}
