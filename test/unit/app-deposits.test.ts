import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AppError,
  type Application,
  BRIDGE_ADDRESS,
  bridgedTokenAddress,
  createApplication,
  type ExecutionResult,
  erc20Interface,
  WETH_METADATA,
  ZERO_ADDRESS,
} from "../../node/app/index.ts";
import type { Address } from "../../node/crypto/index.ts";
import {
  type DepositClaim,
  depositTxHash,
  ETH_TOKEN,
  FALLBACK_METADATA,
  MAX_DEPOSIT_CLAIMS_PER_BLOCK,
} from "../../node/types/index.ts";
import {
  addr,
  alice,
  bob,
  carol,
  PROPOSER,
  runClaimsBlock,
  signTx,
  testApp,
  testGenesis,
} from "../helpers/appFixture.ts";
import { usdcClaim as claim, DEPOSITOR, ethClaim, L1_USDC } from "../helpers/depositClaims.ts";

const L1_ODD: Address = "0x00000000000000000000000000000000000b0b0b";
const USDC = bridgedTokenAddress(L1_USDC);
const WETH = bridgedTokenAddress(ETH_TOKEN);
const UINT256_MAX = (1n << 256n) - 1n;

const ctx = (app: Application) => ({
  height: app.height() + 1,
  time: 1_000 + app.height(),
  proposer: PROPOSER,
});

function execute(app: Application, claims: DepositClaim[], txs: Uint8Array[] = []): Promise<ExecutionResult> {
  return app.executeBlock(ctx(app), txs, claims);
}

const isInvalidBlock = (message: RegExp) => (e: unknown) =>
  e instanceof AppError && e.code === "invalid-block" && message.test(e.message);

describe("app: deposit claims", () => {
  it("the first ETH deposit creates WETH (not L1's Ether/ETH) and mints, in a deposit transaction", async () => {
    const app = testApp();
    const result = await runClaimsBlock(app, [ethClaim(0n, 5n * 10n ** 18n)]);
    assert.deepEqual(app.token(WETH), {
      address: WETH,
      l1Token: ETH_TOKEN,
      ...WETH_METADATA,
      totalSupply: 5n * 10n ** 18n,
    });
    assert.deepEqual(WETH_METADATA, { name: "Wrapped Ether", symbol: "WETH", decimals: 18 });
    assert.equal(app.tokenBalance(WETH, addr(alice)), 5n * 10n ** 18n);
    assert.deepEqual(
      result.receipts.map((r) => [r.txHash, r.from, r.to, r.status, r.gasUsed]),
      [[depositTxHash(ethClaim(0n, 5n * 10n ** 18n)), BRIDGE_ADDRESS, WETH, 1, 0n]],
    );
    assert.deepEqual(result.deposits, [
      {
        nonce: 0n,
        l1Token: ETH_TOKEN,
        l2Token: WETH,
        from: DEPOSITOR,
        to: addr(alice),
        amount: 5n * 10n ** 18n,
        l1TxHash: ethClaim(0n, 0n).l1TxHash,
        height: 1,
      },
    ]);
    assert.deepEqual(app.deposit(0n), result.deposits[0]);
    assert.equal(app.deposit(1n), null);
    assert.equal(app.nextDepositNonce(), 1n);
  });

  it("the first ERC20 deposit names the token with L1's metadata; later deposits keep it", async () => {
    const app = testApp();
    assert.equal(app.nextDepositNonce(), 0n);
    await runClaimsBlock(app, [
      claim(0n),
      claim(1n, { to: addr(bob), amount: 7n, name: "Renamed", symbol: "RN" }),
    ]);
    const third = await runClaimsBlock(app, [
      claim(2n, { amount: 3n, name: "Other", symbol: "O", decimals: 18 }),
    ]);
    assert.deepEqual(app.token(USDC), {
      address: USDC,
      l1Token: L1_USDC,
      name: "USD Coin",
      symbol: "USDC",
      decimals: 6,
      totalSupply: 1_010n,
    });
    assert.equal(app.tokenBalance(USDC, addr(alice)), 1_003n);
    assert.equal(app.tokenBalance(USDC, addr(bob)), 7n);
    assert.deepEqual(
      third.deposits.map((d) => [d.nonce, d.height]),
      [[2n, 2]],
    );
    assert.deepEqual(
      [0n, 1n, 2n].map((n) => app.deposit(n)?.height),
      [1, 1, 2],
    );
    assert.equal(app.nextDepositNonce(), 3n);
  });

  it("refuses claims out of order, with a gap or replayed, leaving the state as it was", async () => {
    const app = testApp();
    await runClaimsBlock(app, [claim(0n)]);
    const before = { hash: app.appHash(), height: app.height(), snapshot: app.snapshotWrites() };
    const cases: [DepositClaim[], RegExp][] = [
      [[claim(0n)], /deposit claim 0: nonce 0, expected 1 \(a replay/],
      [[claim(2n)], /deposit claim 0: nonce 2, expected 1 \(a gap/],
      [[claim(1n), claim(3n)], /deposit claim 1: nonce 3, expected 2 \(a gap/],
      [[claim(2n), claim(1n)], /deposit claim 0: nonce 2, expected 1/],
      [[claim(1n), claim(1n)], /deposit claim 1: nonce 1, expected 2 \(a replay/],
    ];
    for (const [claims, message] of cases) {
      await assert.rejects(() => execute(app, claims), isInvalidBlock(message));
      await assert.rejects(() => app.buildBlock(ctx(app), [], claims), isInvalidBlock(message));
    }
    assert.equal(app.appHash(), before.hash);
    assert.equal(app.height(), before.height);
    assert.deepEqual(app.snapshotWrites(), before.snapshot);
    assert.equal(app.nextDepositNonce(), 1n);
    assert.equal(app.tokenBalance(USDC, addr(alice)), 1_000n);
    // The refused attempts left nothing behind: the next claim still applies.
    assert.equal((await runClaimsBlock(app, [claim(1n)])).deposits.length, 1);
  });

  it("refuses more than MAX_DEPOSIT_CLAIMS_PER_BLOCK claims and malformed claims", async () => {
    const app = testApp();
    const tooMany = Array.from({ length: MAX_DEPOSIT_CLAIMS_PER_BLOCK + 1 }, (_, i) => claim(BigInt(i)));
    await assert.rejects(() => execute(app, tooMany), isInvalidBlock(/1025 deposit claims, over 1024/));
    await assert.rejects(() => app.buildBlock(ctx(app), [], tooMany), isInvalidBlock(/over 1024/));
    assert.equal((await execute(app, tooMany.slice(0, -1))).deposits.length, MAX_DEPOSIT_CLAIMS_PER_BLOCK);

    const shouting = addr(bob).toUpperCase().replace("0X", "0x") as Address;
    await assert.rejects(
      () => execute(app, [claim(0n, { to: shouting })]),
      isInvalidBlock(/claim 0: malformed: to/),
    );
    await assert.rejects(
      () => execute(app, [claim(0n, { amount: -1n })]),
      isInvalidBlock(/malformed: amount/),
    );
    assert.equal(app.nextDepositNonce(), 0n);
  });

  it("a transaction can spend a deposit credited by the same block", async () => {
    const app = testApp();
    const transfer = await signTx(alice, {
      to: USDC,
      data: erc20Interface.encodeFunctionData("transfer", [addr(bob), 400n]),
    });
    const result = await runClaimsBlock(app, [claim(0n)], [transfer]);
    assert.deepEqual(
      result.receipts.map((r) => r.status),
      [1, 1],
    );
    // The deposit's receipt comes first (TokenCreated, then the mint); the transfer's holds only its own log.
    assert.equal(result.receipts[0]?.txHash, depositTxHash(claim(0n)));
    assert.equal(result.receipts[0]?.logs.length, 2);
    assert.equal(result.receipts[1]?.logs.length, 1);
    assert.equal(app.tokenBalance(USDC, addr(alice)), 600n);
    assert.equal(app.tokenBalance(USDC, addr(bob)), 400n);
  });

  it("credits whatever L1 confirmed: the zero address, a zero amount", async () => {
    const app = testApp();
    const result = await runClaimsBlock(app, [
      claim(0n, { to: ZERO_ADDRESS, amount: 9n }),
      claim(1n, { to: addr(carol), amount: 0n }),
    ]);
    assert.equal(result.deposits.length, 2);
    assert.equal(app.tokenBalance(USDC, ZERO_ADDRESS), 9n);
    assert.equal(app.tokenBalance(USDC, addr(carol)), 0n);
    assert.equal(app.token(USDC)?.totalSupply, 9n);
    assert.equal(app.nextDepositNonce(), 2n);
  });

  it("a first deposit with unusable metadata creates the token with the fallback metadata", async () => {
    const cases: Partial<DepositClaim>[] = [
      { name: "x".repeat(65) },
      { symbol: "y".repeat(33) },
      { symbol: "\ud800" },
      { decimals: 256 },
      { decimals: 1.5 },
    ];
    for (const overrides of cases) {
      const app = testApp();
      await runClaimsBlock(app, [claim(0n, { l1Token: L1_ODD, amount: 5n, ...overrides })]);
      const token = app.token(bridgedTokenAddress(L1_ODD));
      assert.deepEqual(
        token && { name: token.name, symbol: token.symbol, decimals: token.decimals },
        FALLBACK_METADATA,
      );
      assert.equal(token?.totalSupply, 5n);
    }
    // ETH is always WETH, whatever a claim says.
    const app = testApp();
    await runClaimsBlock(app, [{ ...ethClaim(0n, 1n), name: "x".repeat(65) }]);
    assert.equal(app.token(WETH)?.symbol, "WETH");
  });

  it("a deposit that would take a token's supply past uint256 uses its nonce but credits nothing", async () => {
    const app = testApp();
    await runClaimsBlock(app, [claim(0n, { amount: UINT256_MAX })]);
    const result = await runClaimsBlock(app, [
      claim(1n, { to: addr(bob), amount: 1n }),
      claim(2n, { amount: 0n }),
    ]);
    assert.equal(result.deposits.length, 2);
    assert.equal(app.token(USDC)?.totalSupply, UINT256_MAX);
    assert.equal(app.tokenBalance(USDC, addr(bob)), 0n);
    assert.equal(app.nextDepositNonce(), 3n);
  });

  it("deposits survive snapshotWrites -> load and change the appHash", async () => {
    const genesis = testGenesis();
    const a = createApplication(genesis, null);
    const withDeposits = await runClaimsBlock(a, [ethClaim(0n, 10n), claim(1n)]);
    const b = createApplication(
      genesis,
      a.snapshotWrites().map(([k, v]) => [k, v as Uint8Array] as const),
    );
    assert.equal(b.appHash(), a.appHash());
    assert.equal(b.nextDepositNonce(), 2n);
    assert.deepEqual(b.deposit(0n), withDeposits.deposits[0]);
    assert.deepEqual(b.deposit(1n), withDeposits.deposits[1]);
    assert.deepEqual(b.tokens(), a.tokens());
    assert.notEqual(withDeposits.appHash, (await execute(testApp(), [])).appHash);

    const ra = await execute(a, [claim(2n)]);
    const rb = await execute(b, [claim(2n)]);
    assert.equal(rb.appHash, ra.appHash);
    assert.deepEqual(rb.stateWrites, ra.stateWrites);
  });

  it("buildBlock with claims gives the same block and appHash as executeBlock", async () => {
    const claims = [ethClaim(0n, 3n), claim(1n)];
    const txs = [
      await signTx(alice, {
        to: USDC,
        data: erc20Interface.encodeFunctionData("transfer", [addr(bob), 1n]),
      }),
      await signTx(alice, { to: addr(bob), value: 1n, nonce: 5 }), // a nonce gap: left out
    ];
    const proposer = testApp();
    const built = await proposer.buildBlock(
      ctx(proposer),
      txs.map((raw) => proposer.decodeTx(raw)),
      claims,
    );
    assert.equal(built.txs.length, 1);
    assert.deepEqual(
      built.rejected.map((r) => r.index),
      [1],
    );
    const validator = testApp();
    const executed = await execute(validator, claims, built.txs);
    assert.equal(executed.appHash, built.result.appHash);
    assert.deepEqual(executed.deposits, built.result.deposits);
    assert.deepEqual(executed.stateWrites, built.result.stateWrites);
  });
});
