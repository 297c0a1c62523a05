import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Wallet } from "ethers";
import {
  AppError,
  type AppGenesis,
  BRIDGE_ADDRESS,
  bridgedTokenAddress,
  bridgeInterface,
  COMMUNITY_POOL_ADDRESS,
  createApplication,
  erc20Interface,
  GAS_POOL_ADDRESS,
  gasPoolInterface,
  openApplication,
  validateAppGenesis,
} from "../../node/app/index.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import { ETH_TOKEN, type Log } from "../../node/types/index.ts";
import { addr, alice, ETHER, PROPOSER, runClaimsBlock, signTx, testGenesis } from "../helpers/appFixture.ts";
import { ethClaim, usdcClaim } from "../helpers/depositClaims.ts";
import { MemoryStateStore } from "../helpers/memoryStateStore.ts";

const GRANT = ETHER / 100n;
const WETH = bridgedTokenAddress(ETH_TOKEN);
const USDC = bridgedTokenAddress(usdcClaim(0n).l1Token);
const L1_RECIPIENT: Address = "0x000000000000000000000000000000000000beef";

const grantGenesis = (pool: bigint = 1_000n * ETHER, grant: bigint = GRANT): AppGenesis =>
  testGenesis({ gasGrant: grant, gasPool: pool });

function grantsIn(logs: readonly Log[]): [string, bigint][] {
  return logs
    .filter((l) => l.address === GAS_POOL_ADDRESS)
    .map((l) => {
      const event = gasPoolInterface.parseLog(l);
      assert.equal(event?.name, "GasGranted");
      return [String(event?.args.recipient).toLowerCase(), event?.args.amount as bigint];
    });
}

const fresh = (i: number) => new Wallet(`0x${(0x7000 + i).toString(16).padStart(64, "0")}`);

describe("app: gas grant for bridged users", () => {
  it("a fresh recipient gets the grant once from the pool, logged in its deposit's receipt", async () => {
    const app = createApplication(grantGenesis(), null);
    const user = addr(fresh(1));
    const first = await runClaimsBlock(app, [usdcClaim(0n, { to: user })]);
    assert.equal(app.balance(user), GRANT);
    assert.equal(app.balance(GAS_POOL_ADDRESS), 1_000n * ETHER - GRANT);
    assert.deepEqual(grantsIn(first.receipts[0]?.logs ?? []), [[user, GRANT]]);
    // The grant is the receipt's last log, after the mint.
    assert.equal(first.receipts[0]?.logs.at(-1)?.address, GAS_POOL_ADDRESS);

    // Spent down below the grant, the same address is never granted again.
    const second = await runClaimsBlock(app, [usdcClaim(1n, { to: user }), ethClaim(2n, 1n, user)]);
    assert.deepEqual(grantsIn(second.receipts.flatMap((r) => r.logs)), []);
    assert.equal(app.balance(user), GRANT);
  });

  it("grants nothing to a recipient holding the grant already, or for a deposit of nothing", async () => {
    const app = createApplication(grantGenesis(), null);
    const empty = addr(fresh(2));
    const result = await runClaimsBlock(app, [
      usdcClaim(0n, { to: addr(alice) }),
      usdcClaim(1n, { to: empty, amount: 0n }),
    ]);
    assert.deepEqual(grantsIn(result.receipts.flatMap((r) => r.logs)), []);
    assert.equal(app.balance(GAS_POOL_ADDRESS), 1_000n * ETHER);
    assert.equal(app.balance(empty), 0n);
    // The zero-amount deposit did not use up its recipient's grant.
    const later = await runClaimsBlock(app, [usdcClaim(2n, { to: empty })]);
    assert.deepEqual(grantsIn(later.receipts[0]?.logs ?? []), [[empty, GRANT]]);
  });

  it("a short or empty pool grants nothing and the deposit still mints", async () => {
    for (const pool of [0n, GRANT - 1n]) {
      const app = createApplication(grantGenesis(pool), null);
      const user = addr(fresh(3));
      const result = await runClaimsBlock(app, [usdcClaim(0n, { to: user })]);
      assert.equal(app.tokenBalance(USDC, user), 1_000n);
      assert.equal(app.balance(user), 0n);
      assert.equal(app.balance(GAS_POOL_ADDRESS), pool);
      assert.deepEqual(grantsIn(result.receipts[0]?.logs ?? []), []);
      assert.equal(result.receipts[0]?.status, 1);
    }
    // Without a grant in genesis nothing is paid either.
    const none = createApplication(testGenesis({ gasPool: ETHER }), null);
    await runClaimsBlock(none, [usdcClaim(0n, { to: addr(fresh(4)) })]);
    assert.equal(none.balance(addr(fresh(4))), 0n);
  });

  it("the pool pays each recipient while it lasts, in nonce order", async () => {
    const app = createApplication(grantGenesis(GRANT + GRANT / 2n), null);
    const [a, b] = [addr(fresh(5)), addr(fresh(6))];
    const result = await runClaimsBlock(app, [usdcClaim(0n, { to: a }), usdcClaim(1n, { to: b })]);
    assert.deepEqual(grantsIn(result.receipts.flatMap((r) => r.logs)), [[a, GRANT]]);
    assert.equal(app.balance(b), 0n);
    assert.equal(app.balance(GAS_POOL_ADDRESS), GRANT / 2n);
  });

  it("never grants the zero address, the bridge, a token or the community pool", async () => {
    const app = createApplication(grantGenesis(), null);
    await runClaimsBlock(app, [ethClaim(0n, 1n)]);
    const result = await runClaimsBlock(app, [
      usdcClaim(1n, { to: `0x${"00".repeat(20)}` as Address }),
      usdcClaim(2n, { to: BRIDGE_ADDRESS }),
      usdcClaim(3n, { to: WETH }),
      usdcClaim(4n, { to: COMMUNITY_POOL_ADDRESS }),
    ]);
    assert.deepEqual(grantsIn(result.receipts.flatMap((r) => r.logs)), []);
    assert.equal(app.balance(GAS_POOL_ADDRESS), 1_000n * ETHER);
  });

  it("after an ETH deposit a fresh key pays gas for a transfer and for a withdraw through the bridge", async () => {
    const app = createApplication(grantGenesis(), null);
    const wallet = fresh(7);
    const user = addr(wallet);
    await runClaimsBlock(app, [ethClaim(0n, 5n * 10n ** 17n, user)]);
    assert.equal(app.balance(user), GRANT);
    assert.equal(app.nonce(user), 0n);

    const transfer = await signTx(wallet, {
      to: WETH,
      data: erc20Interface.encodeFunctionData("transfer", [addr(alice), 10n ** 17n]),
      gasLimit: 200_000n,
      nonce: 0,
    });
    const withdraw = await signTx(wallet, {
      to: BRIDGE_ADDRESS,
      data: bridgeInterface.encodeFunctionData("withdraw", [WETH, 2n * 10n ** 17n, L1_RECIPIENT]) as Hex,
      gasLimit: 200_000n,
      nonce: 1,
    });
    const result = await runClaimsBlock(app, [], [transfer, withdraw]);
    assert.deepEqual(
      result.txResults.map((r) => [r.status, r.error]),
      [
        [1, null],
        [1, null],
      ],
    );
    assert.equal(app.tokenBalance(WETH, user), 2n * 10n ** 17n);
    assert.equal(app.tokenBalance(WETH, addr(alice)), 10n ** 17n);
    const paid = result.receipts.reduce((sum, r) => sum + r.gasUsed * r.effectiveGasPrice, 0n);
    assert.ok(paid > 0n);
    assert.equal(app.balance(user), GRANT - paid);
    assert.deepEqual(result.withdrawals, [
      { id: 0n, l1Token: ETH_TOKEN, l1Recipient: L1_RECIPIENT, amount: 2n * 10n ** 17n, height: 2 },
    ]);
    // The withdrawal burns with Transfer(holder, 0x0, amount) and records it with the bridge's event.
    const [burn, initiated] = result.receipts[1]?.logs ?? [];
    const burnLog = erc20Interface.parseLog(burn as Log);
    assert.deepEqual(
      [burn?.address, burnLog?.name, burnLog?.args[0].toLowerCase(), burnLog?.args[1], burnLog?.args[2]],
      [WETH, "Transfer", user, `0x${"00".repeat(20)}`, 2n * 10n ** 17n],
    );
    const event = bridgeInterface.parseLog(initiated as Log);
    assert.deepEqual(
      [initiated?.address, event?.name, event?.args.id, event?.args.from.toLowerCase()],
      [BRIDGE_ADDRESS, "WithdrawalInitiated", 0n, user],
    );
  });

  it("grants are state: they survive a reload, change the appHash and are read through the store", async () => {
    const genesis = grantGenesis();
    const user = addr(fresh(8));
    const store = new MemoryStateStore();
    const stored = await openApplication(genesis, store, { cacheEntries: 2 });
    store.apply(stored.snapshotWrites());
    const granted = await stored.executeBlock(
      { height: 1, time: 1_000, proposer: PROPOSER },
      [],
      [usdcClaim(0n, { to: user })],
    );
    store.apply(granted.stateWrites);
    stored.commit(granted);

    const memory = createApplication(genesis, null);
    const same = await runClaimsBlock(memory, [usdcClaim(0n, { to: user })]);
    assert.equal(same.appHash, granted.appHash);

    // Reopened from the store (the grant read from disk, not a cache), the address is not granted again.
    const reopened = await openApplication(genesis, store, { cacheEntries: 2 });
    const user2 = addr(fresh(9));
    const second = await reopened.executeBlock(
      { height: 2, time: 1_500, proposer: PROPOSER },
      [],
      [usdcClaim(1n, { to: user2 })],
    );
    store.apply(second.stateWrites);
    reopened.commit(second);
    assert.equal(reopened.balance(user2), GRANT);
    const again = await reopened.executeBlock(
      { height: 3, time: 2_000, proposer: PROPOSER },
      [],
      [usdcClaim(2n, { to: user })],
    );
    assert.deepEqual(grantsIn(again.receipts[0]?.logs ?? []), []);

    const withoutGrant = createApplication(testGenesis({ gasPool: genesis.gasPool }), null);
    const plain = await runClaimsBlock(withoutGrant, [usdcClaim(0n, { to: user })]);
    assert.notEqual(plain.appHash, granted.appHash);
  });

  it("prefetching a block's claims reads what the grant needs, so crediting them reads nothing more", async () => {
    const store = new MemoryStateStore();
    const app = await openApplication(grantGenesis(), store, { cacheEntries: 1_000 });
    store.apply(app.snapshotWrites());
    const claims = [usdcClaim(0n, { to: addr(fresh(10)) }), ethClaim(1n, 5n, addr(fresh(11)))];
    await app.prefetch([], claims, PROPOSER);
    // Executing the claims reads nothing synchronously: balances, grants and the pool are all in the cache.
    const before = store.syncReads;
    const result = await app.executeBlock({ height: 1, time: 1_000, proposer: PROPOSER }, [], claims);
    assert.equal(store.syncReads, before);
    assert.equal(grantsIn(result.receipts.flatMap((r) => r.logs)).length, 2);
  });

  it("genesis: the pool is native supply, and both amounts are checked", async () => {
    const app = createApplication(grantGenesis(7n * ETHER), null);
    const base = createApplication(testGenesis(), null);
    assert.equal(await app.nativeSupply(), (await base.nativeSupply()) + 7n * ETHER);
    assert.equal(validateAppGenesis(grantGenesis()).gasGrant, GRANT);
    assert.equal(validateAppGenesis(testGenesis()).gasGrant, 0n);
    // No pool in genesis leaves the genesis state (and its appHash) as it was.
    assert.equal(createApplication(testGenesis({ gasPool: 0n }), null).appHash(), base.appHash());
    for (const bad of [{ gasGrant: -1n }, { gasPool: -1n }, { gasPool: 1n << 256n }]) {
      assert.throws(
        () => validateAppGenesis(testGenesis(bad)),
        (e: unknown) => e instanceof AppError && e.code === "invalid-genesis",
      );
    }
  });
});
