import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Wallet } from "ethers";
import {
  AppError,
  BRIDGE_ADDRESS,
  createApplication,
  decodeRevertReason,
  erc20Interface,
  GAS_POOL_ADDRESS,
  STAKING_ADDRESS,
  SYSTEM_CODE,
  systemCallGas,
} from "../../node/app/index.ts";
import type { Address } from "../../node/crypto/index.ts";
import {
  addr,
  alice,
  BASE_FEE,
  bob,
  carol,
  countingRecovery,
  ETHER,
  GWEI,
  ODOL,
  PROPOSER,
  runBlock,
  signTx,
  systemTxGas,
  testApp,
  testGenesis,
} from "../helpers/appFixture.ts";

const erc20 = erc20Interface;

const tokenGas = (data: string): bigint => systemTxGas("token", data);
const transferData = (to: Wallet | Address, amount: bigint) =>
  erc20.encodeFunctionData("transfer", [typeof to === "string" ? to : addr(to), amount]);

async function expectAppError(fn: () => unknown, code: string, message?: RegExp): Promise<AppError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof AppError, `expected AppError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

describe("app: native transfers and fees", () => {
  it("moves value, bumps the nonce, pays the tip to the proposer and the base fee to the gas pool", async () => {
    const app = testApp();
    const before = app.balance(addr(alice));
    // 1559: min(maxFee 5, base 1 + tip 2) = 3 gwei
    const t1 = await signTx(alice, {
      to: addr(bob),
      value: 7n * ETHER,
      maxFeePerGas: 5n * GWEI,
      maxPriorityFeePerGas: 2n * GWEI,
    });
    const t2 = await signTx(alice, { type: 0, to: addr(carol), value: 1n, nonce: 1, gasPrice: 4n * GWEI });
    const result = await runBlock(app, [t1, t2]);

    const fee1 = 21_000n * 3n * GWEI;
    const fee2 = 21_000n * 4n * GWEI;
    assert.equal(app.balance(addr(alice)), before - 7n * ETHER - 1n - fee1 - fee2);
    assert.equal(app.balance(addr(bob)), 1007n * ETHER);
    assert.equal(app.balance(addr(carol)), 1000n * ETHER + 1n);
    assert.equal(app.balance(PROPOSER), fee1 + fee2 - 42_000n * BASE_FEE, "the tips");
    assert.equal(app.balance(GAS_POOL_ADDRESS), 42_000n * BASE_FEE, "the base fees");
    assert.equal(app.nonce(addr(alice)), 2n);
    assert.equal(app.height(), 1);

    const [r1, r2] = result.receipts;
    assert.deepEqual(
      { status: r1?.status, gasUsed: r1?.gasUsed, price: r1?.effectiveGasPrice, cum: r1?.cumulativeGasUsed },
      { status: 1, gasUsed: 21_000n, price: 3n * GWEI, cum: 21_000n },
    );
    assert.equal(r2?.cumulativeGasUsed, 42_000n);
    assert.equal(r2?.effectiveGasPrice, 4n * GWEI);
    assert.equal(r1?.from, addr(alice));
    assert.equal(r1?.to, addr(bob));
    assert.deepEqual(r1?.logs, []);
    assert.equal(result.gasUsed, 42_000n);
    assert.equal(result.validatorUpdates, null);
    assert.equal(app.appHash(), result.appHash);
  });

  it("a proposer sending to itself pays only the base fee, and the supply is conserved", async () => {
    const app = testApp();
    const supply = await app.nativeSupply();
    await runBlock(app, [await signTx(alice, { to: addr(alice), value: ETHER })], addr(alice));
    assert.equal(app.balance(addr(alice)), 1000n * ETHER - 21_000n * BASE_FEE);
    assert.equal(app.nonce(addr(alice)), 1n);
    assert.equal(await app.nativeSupply(), supply);
  });

  it("makes the whole block invalid for a bad nonce (too low, too high, duplicate)", async () => {
    const app = testApp();
    const t0 = await signTx(alice, { to: addr(bob), value: 1n, nonce: 0 });
    const t2 = await signTx(alice, { to: addr(bob), value: 1n, nonce: 2 });
    const ctx = { height: 1, time: 1, proposer: PROPOSER };
    let err = await expectAppError(() => app.executeBlock(ctx, [t2]), "invalid-block", /nonce too high/);
    assert.equal(err.txIndex, 0);
    assert.equal((err.cause as AppError).code, "nonce-too-high");
    err = await expectAppError(() => app.executeBlock(ctx, [t0, t0]), "invalid-block", /nonce too low/);
    assert.equal(err.txIndex, 1);
    await runBlock(app, [t0]);
    await expectAppError(
      () => app.executeBlock({ ...ctx, height: 2 }, [t0]),
      "invalid-block",
      /nonce too low/,
    );
  });

  it("makes the block invalid when the sender cannot cover value + gasLimit * fee cap", async () => {
    const app = testApp();
    const tooMuch = await signTx(alice, { to: addr(bob), value: 1000n * ETHER });
    const err = await expectAppError(
      () => app.executeBlock({ height: 1, time: 1, proposer: PROPOSER }, [tooMuch]),
      "invalid-block",
      /insufficient funds/,
    );
    assert.equal((err.cause as AppError).code, "insufficient-funds");
    assert.equal(app.height(), 0);
  });

  it("rejects an undecodable transaction in a block and a block for the wrong height", async () => {
    const app = testApp();
    await expectAppError(
      () => app.executeBlock({ height: 1, time: 1, proposer: PROPOSER }, [Uint8Array.of(1, 2, 3)]),
      "invalid-block",
    );
    await expectAppError(
      () => app.executeBlock({ height: 2, time: 1, proposer: PROPOSER }, []),
      "wrong-height",
    );
  });

  it("buildBlock leaves out what cannot be included and returns the result of what it kept", async () => {
    const app = testApp();
    const good0 = await signTx(alice, { to: addr(bob), value: 1n, nonce: 0 });
    const gap = await signTx(alice, { to: addr(bob), value: 1n, nonce: 5 });
    const good1 = await signTx(alice, { to: addr(bob), value: 1n, nonce: 1 });
    const broke = await signTx(bob, { to: addr(alice), value: 2000n * ETHER });
    const built = await app.buildBlock(
      { height: 1, time: 1, proposer: PROPOSER },
      [good0, gap, good0, good1, broke].map((raw) => app.decodeTx(raw)),
    );
    assert.deepEqual(built.txs, [good0, good1]);
    assert.deepEqual(
      built.rejected.map((r) => [r.index, r.error.code]),
      [
        [1, "nonce-too-high"],
        [2, "nonce-too-low"],
        [4, "insufficient-funds"],
      ],
    );
    // The same transactions executed by a validator give the same result.
    const other = testApp();
    const replay = await other.executeBlock({ height: 1, time: 1, proposer: PROPOSER }, built.txs);
    assert.equal(replay.appHash, built.result.appHash);
    app.commit(built.result);
    assert.equal(app.nonce(addr(alice)), 2n);
  });

  it("reuses checked transactions: building from them or executing a block of known ones recovers no sender", async () => {
    const checker = countingRecovery();
    const node = createApplication(testGenesis(), null, { recoverSigner: checker.recoverSigner });
    const raws = [
      await signTx(alice, { to: addr(bob), value: 1n, nonce: 0 }),
      await signTx(alice, { to: addr(bob), value: 1n, nonce: 1 }),
      await signTx(bob, { to: addr(carol), value: 2n }),
    ];
    const checked = raws.map((raw) => {
      const result = node.checkTx(raw);
      assert.ok(result.ok);
      return result.tx;
    });
    assert.equal(checker.count(), 3, "checkTx recovers each sender");
    const ctx = { height: 1, time: 1, proposer: PROPOSER };
    const built = await node.buildBlock(ctx, checked);
    assert.equal(checker.count(), 3, "building recovers none");

    // Another node whose pool holds two of them (checked there) executes the block: it recovers only the third.
    const other = countingRecovery();
    const validator = createApplication(testGenesis(), null, { recoverSigner: other.recoverSigner });
    const pool = new Map(checked.slice(0, 2).map((tx) => [tx.hash, tx]));
    const executed = await validator.executeBlock(ctx, built.txs, [], (hash) => pool.get(hash));
    assert.equal(executed.appHash, built.result.appHash);
    assert.equal(other.count(), 1);
  });

  it("a gas limit below the target's fixed gas runs out of gas: status 0, the whole limit charged", async () => {
    const app = testApp();
    // 30,000 covers the intrinsic gas, but not the transfer's fixed gas on top.
    const raw = await signTx(alice, { to: ODOL, data: transferData(bob, 5n), gasLimit: 30_000n });
    const result = await runBlock(app, [raw]);
    assert.equal(result.receipts[0]?.status, 0);
    assert.equal(result.receipts[0]?.gasUsed, 30_000n);
    assert.equal(result.txResults[0]?.error, "out of gas");
    assert.equal(app.tokenBalance(ODOL, addr(bob)), 0n);
    assert.equal(app.balance(GAS_POOL_ADDRESS), 30_000n * BASE_FEE);
    assert.equal(app.nonce(addr(alice)), 1n);
  });

  it("refuses native value sent to system contracts and tokens: status 0, fee paid, value kept", async () => {
    const app = testApp();
    const before = app.balance(addr(alice));
    const txs = [
      await signTx(alice, { to: ODOL, value: ETHER, nonce: 0 }),
      await signTx(alice, { to: BRIDGE_ADDRESS, value: ETHER, nonce: 1 }),
      await signTx(alice, { to: STAKING_ADDRESS, value: ETHER, nonce: 2 }),
    ];
    const result = await runBlock(app, txs);
    assert.deepEqual(
      result.receipts.map((r) => r.status),
      [0, 0, 0],
    );
    const fees =
      (tokenGas("0x") +
        21_000n +
        systemCallGas({ kind: "bridge" }, "0x") +
        21_000n +
        systemCallGas({ kind: "staking" }, "0x")) *
      BASE_FEE;
    assert.equal(app.balance(addr(alice)), before - fees);
    assert.equal(app.balance(BRIDGE_ADDRESS), 0n);
    assert.match(
      decodeRevertReason(result.txResults[0]?.returnData ?? "0x") ?? "",
      /does not accept native value/,
    );
  });
});

describe("app: system tokens", () => {
  it("transfers with a standard Transfer log and returns true", async () => {
    const app = testApp();
    const data = transferData(bob, 250n);
    const result = await runBlock(app, [await signTx(alice, { to: ODOL, data })]);
    const receipt = result.receipts[0];
    assert.equal(receipt?.status, 1);
    assert.equal(receipt?.gasUsed, tokenGas(data));
    assert.equal(app.tokenBalance(ODOL, addr(alice)), 1_000_000n - 250n);
    assert.equal(app.tokenBalance(ODOL, addr(bob)), 250n);
    assert.equal(receipt?.logs.length, 1);
    const log = receipt?.logs[0];
    assert.equal(log?.address, ODOL);
    const parsed = erc20.parseLog({ topics: log?.topics ?? [], data: log?.data ?? "0x" });
    assert.equal(parsed?.name, "Transfer");
    assert.equal(parsed?.args[0].toLowerCase(), addr(alice));
    assert.equal(parsed?.args[1].toLowerCase(), addr(bob));
    assert.equal(parsed?.args[2], 250n);
    assert.equal(log?.topics[0], erc20.getEvent("Transfer")?.topicHash);
    assert.equal(erc20.decodeFunctionResult("transfer", result.txResults[0]?.returnData ?? "0x")[0], true);
  });

  it("fails a transfer over the balance with status 0, still charging the fee and using the nonce", async () => {
    const app = testApp();
    const before = app.balance(addr(bob));
    const data = transferData(alice, 1n);
    const result = await runBlock(app, [await signTx(bob, { to: ODOL, data })]);
    assert.equal(result.receipts[0]?.status, 0);
    assert.deepEqual(result.receipts[0]?.logs, []);
    assert.equal(app.nonce(addr(bob)), 1n);
    assert.equal(app.balance(addr(bob)), before - tokenGas(data) * BASE_FEE);
    assert.equal(app.balance(GAS_POOL_ADDRESS), tokenGas(data) * BASE_FEE);
    assert.equal(app.tokenBalance(ODOL, addr(alice)), 1_000_000n);
    assert.equal(result.txResults[0]?.error, "execution reverted");
    const refusal = erc20.parseError(result.txResults[0]?.returnData ?? "0x");
    assert.deepEqual(
      [refusal?.name, refusal?.args[0].toLowerCase(), refusal?.args[1], refusal?.args[2]],
      ["ERC20InsufficientBalance", addr(bob), 0n, 1n],
    );
  });

  it("fails unknown selectors and transfers to the zero address", async () => {
    const app = testApp();
    const result = await runBlock(app, [
      await signTx(alice, { to: ODOL, data: "0xdeadbeef", nonce: 0 }),
      await signTx(alice, { to: ODOL, data: transferData(`0x${"00".repeat(20)}`, 1n), nonce: 1 }),
      await signTx(alice, { to: ODOL, data: "0xa9059cbb00", nonce: 2 }),
    ]);
    assert.deepEqual(
      result.receipts.map((r) => r.status),
      [0, 0, 0],
    );
    const refusal = erc20.parseError(result.txResults[1]?.returnData ?? "0x");
    assert.deepEqual([refusal?.name, refusal?.args[0]], ["ERC20InvalidReceiver", `0x${"00".repeat(20)}`]);
    assert.equal(app.tokenBalance(ODOL, addr(alice)), 1_000_000n);
  });

  it("answers the ERC20 views through eth_call", async () => {
    const app = testApp();
    const view = async (fn: string, args: unknown[] = []) =>
      erc20.decodeFunctionResult(
        fn,
        await app.call({ to: ODOL, data: erc20.encodeFunctionData(fn, args) as `0x${string}` }),
      )[0];
    assert.equal(await view("name"), "Outrigger Dollar");
    assert.equal(await view("symbol"), "ODOL");
    assert.equal(await view("decimals"), 6n);
    assert.equal(await view("totalSupply"), 1_000_000n);
    assert.equal(await view("balanceOf", [addr(alice)]), 1_000_000n);
    assert.equal(await view("balanceOf", [addr(bob)]), 0n);
    assert.deepEqual(
      app.tokens().map((t) => [t.address, t.symbol, t.l1Token]),
      [[ODOL, "ODOL", null]],
    );
  });

  it("dry-runs state-changing calls: the ABI result or the revert data, and nothing is kept", async () => {
    const app = testApp();
    const ok = await app.call({ to: ODOL, from: addr(alice), data: transferData(bob, 10n) as `0x${string}` });
    assert.equal(erc20.decodeFunctionResult("transfer", ok)[0], true);
    assert.equal(app.tokenBalance(ODOL, addr(bob)), 0n);
    const err = await expectAppError(
      () => app.call({ to: ODOL, from: addr(bob), data: transferData(alice, 10n) as `0x${string}` }),
      "reverted",
      /^execution reverted$/,
    );
    const refusal = erc20.parseError(err.data ?? "0x");
    assert.deepEqual(
      [refusal?.name, refusal?.args[0].toLowerCase(), refusal?.args[1], refusal?.args[2]],
      ["ERC20InsufficientBalance", addr(bob), 0n, 10n],
    );
    assert.equal(app.appHash(), testApp().appHash());
  });
});

describe("app: queries", () => {
  it("code is a non-empty marker for system contracts and tokens, empty for accounts", () => {
    const app = testApp();
    assert.equal(app.code(BRIDGE_ADDRESS), SYSTEM_CODE);
    assert.equal(app.code(STAKING_ADDRESS), SYSTEM_CODE);
    assert.equal(app.code(ODOL), SYSTEM_CODE);
    assert.equal(app.code(addr(alice)), "0x");
    assert.notEqual(SYSTEM_CODE, "0x");
  });

  it("estimateGas returns the gas the call is charged, and throws when the call would fail", async () => {
    const app = testApp();
    assert.equal(await app.estimateGas({ to: addr(bob), from: addr(alice), value: 1n }), 21_000n);
    const data = transferData(bob, 1n);
    assert.equal(
      await app.estimateGas({ to: ODOL, from: addr(alice), data: data as `0x${string}` }),
      tokenGas(data),
    );
    await expectAppError(
      () => app.estimateGas({ to: ODOL, from: addr(bob), data: transferData(alice, 1n) as `0x${string}` }),
      "reverted",
    );
    await expectAppError(
      () => app.estimateGas({ to: addr(bob), from: addr(carol), value: 2000n * ETHER }),
      "insufficient-funds",
      /insufficient funds for transfer/,
    );
  });

  it("checkTx: accepts future nonces, refuses stale ones, unpayable ones and too little gas for a token", async () => {
    const app = testApp();
    await runBlock(app, [await signTx(alice, { to: addr(bob), nonce: 0 })]);
    const check = async (w: Wallet, tx: Parameters<typeof signTx>[1]) => app.checkTx(await signTx(w, tx));
    const future = await check(alice, { to: addr(bob), nonce: 3 });
    assert.ok(future.ok);
    assert.equal(future.tx.nonce, 3n);
    const stale = await check(alice, { to: addr(bob), nonce: 0 });
    assert.equal(stale.ok ? "ok" : stale.error.code, "nonce-too-low");
    assert.match(stale.ok ? "" : stale.error.message, /nonce too low/);
    const broke = await check(carol, { to: addr(bob), value: 1000n * ETHER });
    assert.equal(broke.ok ? "ok" : broke.error.code, "insufficient-funds");
    const lowGas = await check(alice, { to: ODOL, nonce: 1, gasLimit: 21_000n, data: transferData(bob, 1n) });
    assert.equal(lowGas.ok ? "ok" : lowGas.error.code, "tx-intrinsic-gas");
    const wrongChain = await check(alice, { to: addr(bob), nonce: 1, chainId: 1n });
    assert.equal(wrongChain.ok ? "ok" : wrongChain.error.code, "tx-wrong-chain");
  });
});
