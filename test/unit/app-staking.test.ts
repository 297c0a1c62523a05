import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Wallet } from "ethers";
import { STAKING_ADDRESS, stakingInterface } from "../../node/app/index.ts";
import type { Hex } from "../../node/crypto/index.ts";
import {
  addr,
  alice,
  BASE_FEE,
  ETHER,
  runBlock,
  runUntil,
  signTx,
  systemTxGas,
  testApp,
  testGenesis,
  val1,
  val2,
} from "../helpers/appFixture.ts";

const staking = stakingInterface;
const data = (fn: string, args: unknown[] = []) => staking.encodeFunctionData(fn, args) as Hex;
const nonces = new Map<string, number>();

/** A staking transaction with the sender's next nonce (per test app: reset with freshNonces). */
async function stakingTx(w: Wallet, fn: string, args: unknown[] = []): Promise<Uint8Array> {
  const nonce = nonces.get(w.address) ?? 0;
  nonces.set(w.address, nonce + 1);
  return signTx(w, { to: STAKING_ADDRESS, data: data(fn, args), nonce });
}

function freshApp(overrides: Parameters<typeof testApp>[0] = {}) {
  nonces.clear();
  return testApp(overrides);
}

const byAddress = (vs: { address: string; power: bigint }[]) =>
  [...vs].sort((a, b) => (a.address < b.address ? -1 : 1));

describe("app: staking and epoch-boundary validator updates (epochLength 4, unbondingEpochs 1)", () => {
  it("starts from the genesis validators with power = stake / 1e18", () => {
    const app = freshApp();
    assert.deepEqual(
      app.validatorSet(),
      byAddress([
        { address: addr(val1), power: 10n },
        { address: addr(val2), power: 10n },
      ]),
    );
    assert.equal(app.stakeOf(addr(val1)), 10n * ETHER);
  });

  it("a new stake becomes power exactly at the epoch's last block, not before", async () => {
    const app = freshApp();
    const supply = await app.nativeSupply();
    const r1 = await runBlock(app, [await stakingTx(alice, "stake", [5n * ETHER + ETHER / 2n])]);
    assert.equal(r1.receipts[0]?.status, 1);
    const stakeGas = systemTxGas("staking", data("stake", [5n * ETHER + ETHER / 2n]));
    assert.equal(r1.receipts[0]?.gasUsed, stakeGas);
    const log = staking.parseLog(r1.receipts[0]?.logs[0] as { topics: string[]; data: string });
    assert.deepEqual(
      [log?.name, log?.args.amount, log?.args.stake],
      ["Staked", 5n * ETHER + ETHER / 2n, 5n * ETHER + ETHER / 2n],
    );
    assert.equal(app.stakeOf(addr(alice)), 5n * ETHER + ETHER / 2n);
    assert.equal(app.balance(addr(alice)), 1000n * ETHER - 5n * ETHER - ETHER / 2n - stakeGas * BASE_FEE);
    assert.equal(await app.nativeSupply(), supply);
    assert.equal(app.balance(STAKING_ADDRESS), 20n * ETHER + 5n * ETHER + ETHER / 2n);

    const [r2, r3] = await runUntil(app, 3);
    assert.equal(r2?.validatorUpdates, null);
    assert.equal(r3?.validatorUpdates, null);
    assert.equal(app.validatorSet().length, 2, "no change inside the epoch");
    const r4 = await runBlock(app, []);
    assert.equal(app.validatorSet().length, 3);
    // Power floors to whole tokens: 5.5 -> 5.
    assert.deepEqual(r4?.validatorUpdates, [{ address: addr(alice), power: 5n }]);
    assert.equal(app.validatorSet().find((v) => v.address === addr(alice))?.power, 5n);

    // The next epoch ends with no change: an empty, non-null update list.
    const later = await runUntil(app, 8);
    assert.deepEqual(later.at(-1)?.validatorUpdates, []);
    assert.equal(
      later.slice(0, -1).every((r) => r.validatorUpdates === null),
      true,
    );
  });

  it("a stake made in the epoch's last block still applies at that boundary", async () => {
    const app = freshApp();
    await runUntil(app, 3);
    const r4 = await runBlock(app, [await stakingTx(val1, "stake", [2n * ETHER])]);
    assert.deepEqual(r4.validatorUpdates, [{ address: addr(val1), power: 12n }]);
  });

  it("unstaking removes the validator at the boundary and releases after one full epoch", async () => {
    const app = freshApp();
    const r1 = await runBlock(app, [await stakingTx(val2, "unstake", [10n * ETHER])]);
    const log = staking.parseLog(r1.receipts[0]?.logs[0] as { topics: string[]; data: string });
    // Unstaked in epoch 1: power drops from epoch 2, epoch 2 is the full unbonding epoch, released in epoch 3.
    assert.deepEqual([log?.name, log?.args.amount, log?.args.releaseEpoch], ["Unstaked", 10n * ETHER, 3n]);
    assert.equal(app.stakeOf(addr(val2)), 0n);
    assert.deepEqual(app.unbondingOf(addr(val2)), { pending: 10n * ETHER, withdrawable: 0n });
    const unbonding = staking.decodeFunctionResult(
      "unbondingOf",
      await app.call({ to: STAKING_ADDRESS, data: data("unbondingOf", [addr(val2)]) }),
    );
    assert.deepEqual([unbonding[0], unbonding[1]], [10n * ETHER, 0n]);

    const r4 = (await runUntil(app, 4)).at(-1);
    assert.deepEqual(r4?.validatorUpdates, [{ address: addr(val2), power: 0n }]);
    assert.deepEqual(app.validatorSet(), [{ address: addr(val1), power: 10n }]);

    // Epoch 2 (heights 5-8): still locked.
    await runUntil(app, 7);
    const early = await runBlock(app, [await stakingTx(val2, "withdrawUnbonded")]);
    assert.equal(app.height(), 8);
    assert.equal(early.receipts[0]?.status, 0);
    assert.match(early.txResults[0]?.error ?? "", /nothing to withdraw/);

    // Height 9 starts epoch 3.
    assert.deepEqual(app.unbondingOf(addr(val2)), { pending: 0n, withdrawable: 10n * ETHER });
    const before = app.balance(addr(val2));
    const released = await runBlock(app, [await stakingTx(val2, "withdrawUnbonded")]);
    assert.equal(released.receipts[0]?.status, 1);
    assert.equal(
      staking.decodeFunctionResult("withdrawUnbonded", released.txResults[0]?.returnData ?? "0x")[0],
      10n * ETHER,
    );
    assert.equal(
      app.balance(addr(val2)),
      before + 10n * ETHER - systemTxGas("staking", data("withdrawUnbonded")) * BASE_FEE,
    );
    assert.deepEqual(app.unbondingOf(addr(val2)), { pending: 0n, withdrawable: 0n });
    assert.equal(app.balance(STAKING_ADDRESS), 10n * ETHER);
  });

  it("keeps unbonding entries per release epoch and releases only the matured ones", async () => {
    const app = freshApp({ unbondingEpochs: 0 });
    await runBlock(app, [await stakingTx(val1, "unstake", [2n * ETHER])]); // epoch 1 -> release epoch 2
    await runUntil(app, 5);
    await runBlock(app, [await stakingTx(val1, "unstake", [3n * ETHER])]); // height 6, epoch 2 -> release epoch 3
    assert.deepEqual(app.unbondingOf(addr(val1)), { pending: 3n * ETHER, withdrawable: 2n * ETHER });
    const r = await runBlock(app, [await stakingTx(val1, "withdrawUnbonded")]);
    assert.equal(
      staking.decodeFunctionResult("withdrawUnbonded", r.txResults[0]?.returnData ?? "0x")[0],
      2n * ETHER,
    );
    assert.deepEqual(app.unbondingOf(addr(val1)), { pending: 3n * ETHER, withdrawable: 0n });
  });

  it("never lets the validator set become empty", async () => {
    const app = freshApp();
    const r = await runBlock(app, [
      await stakingTx(val1, "unstake", [10n * ETHER]),
      await stakingTx(val2, "unstake", [10n * ETHER]),
    ]);
    assert.deepEqual(
      r.receipts.map((x) => x.status),
      [1, 0],
    );
    assert.match(r.txResults[1]?.error ?? "", /last validator/);
    const end = (await runUntil(app, 4)).at(-1);
    assert.deepEqual(end?.validatorUpdates, [{ address: addr(val1), power: 0n }]);
    assert.deepEqual(app.validatorSet(), [{ address: addr(val2), power: 10n }]);

    const single = freshApp({ validators: [{ address: addr(val1), stake: 3n * ETHER }] });
    const s = await runBlock(single, [await stakingTx(val1, "unstake", [3n * ETHER])]);
    assert.equal(s.receipts[0]?.status, 0);
    assert.equal(single.stakeOf(addr(val1)), 3n * ETHER);
  });

  it("requires a stake of at least one token, and a remainder of zero or at least one token", async () => {
    const app = freshApp();
    const r = await runBlock(app, [
      await stakingTx(alice, "stake", [ETHER / 2n]),
      await stakingTx(val1, "unstake", [9n * ETHER + 1n]),
      await stakingTx(alice, "stake", [0n]),
      await stakingTx(alice, "stake", [2000n * ETHER]),
      await stakingTx(alice, "unstake", [1n]),
      await stakingTx(val1, "unstake", [9n * ETHER]),
    ]);
    assert.deepEqual(
      r.receipts.map((x) => x.status),
      [0, 0, 0, 0, 0, 1],
    );
    assert.equal(app.stakeOf(addr(alice)), 0n);
    assert.equal(app.stakeOf(addr(val1)), ETHER);
    const end = (await runUntil(app, 4)).at(-1);
    assert.deepEqual(end?.validatorUpdates, [{ address: addr(val1), power: 1n }]);
  });

  it("stakeOf answers through eth_call, and value sent with a staking call is refused", async () => {
    const app = freshApp();
    const out = await app.call({ to: STAKING_ADDRESS, data: data("stakeOf", [addr(val1)]) });
    assert.equal(staking.decodeFunctionResult("stakeOf", out)[0], 10n * ETHER);
    const raw = await signTx(alice, { to: STAKING_ADDRESS, data: data("stake", [ETHER]), value: ETHER });
    const r = await runBlock(app, [raw]);
    assert.equal(r.receipts[0]?.status, 0);
    assert.equal(app.stakeOf(addr(alice)), 0n);
  });

  it("leaves jailed stakers out of the set at the epoch end, and keeps the set when a slash would empty it", async () => {
    const app = freshApp();
    await runBlock(app, []);
    const jailing = await app.executeBlock(
      {
        height: 2,
        time: 1_700_000_000_002,
        proposer: addr(val1),
        misbehaviour: [{ validator: addr(val2), height: 1 }],
      },
      [],
    );
    app.commit(jailing);
    // Staking more does not bring a jailed validator back.
    await runBlock(app, [await stakingTx(val2, "stake", [ETHER])]);
    const end = (await runUntil(app, 4)).at(-1);
    assert.deepEqual(end?.validatorUpdates, [{ address: addr(val2), power: 0n }]);
    assert.equal(app.stakeOf(addr(val2)), 10n * ETHER - ETHER / 2n + ETHER);

    // One token slashed by 5% is power 0: an empty set could never sign again, so it stays.
    const single = freshApp({ validators: [{ address: addr(val1), stake: ETHER }] });
    await runBlock(single, []);
    const slashed = await single.executeBlock(
      {
        height: 2,
        time: 1_700_000_000_002,
        proposer: addr(val1),
        misbehaviour: [{ validator: addr(val1), height: 1 }],
      },
      [],
    );
    single.commit(slashed);
    assert.equal(single.stakeOf(addr(val1)), ETHER - ETHER / 20n);
    const kept = (await runUntil(single, 4)).at(-1);
    assert.deepEqual(kept?.validatorUpdates, []);
    assert.deepEqual(single.validatorSet(), [{ address: addr(val1), power: 1n }]);
  });

  it("a validator set from genesis is the same as the one the app reports", () => {
    const genesis = testGenesis();
    const app = freshApp();
    assert.deepEqual(
      app.validatorSet().map((v) => v.address),
      genesis.validators.map((v) => v.address).sort(),
    );
  });
});
