import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { Contract, ContractTransactionResponse } from "ethers";
import { type Address, type Hex, toAddress } from "../../node/crypto/index.ts";
import { ETH_TOKEN, WithdrawalTree, withdrawalLeaf } from "../../node/types/index.ts";
import type { Withdrawal } from "../../node/types/shapes.ts";
import { balanceOf, increaseTime, latestTimestamp, revertTo, snapshot } from "./support/chain.ts";
import {
  addressOf,
  deployArtifact,
  deployFixture,
  type Fixture,
  postCheckpoint,
  send,
  view,
  ZERO_ROOT,
} from "./support/fixture.ts";
import { makeValidators } from "./support/keys.ts";
import { expectRevert } from "./support/revert.ts";

const ONE = 10n ** 18n;
const DAY = 86_400;
const RECIPIENT: Address = `0x${"5e".repeat(20)}`;
const OTHER: Address = `0x${"6f".repeat(20)}`;

/** Event and view results with addresses lowercased, to compare with our lowercase hex. */
function norm(values: readonly unknown[]): unknown[] {
  return values.map((v) => (typeof v === "string" ? v.toLowerCase() : v));
}

const NO_ADDRESS = `0x${"00".repeat(20)}`;
const NOT_QUEUED = [NO_ADDRESS, 0n, NO_ADDRESS, 0n];

function tuple(w: Withdrawal) {
  return { id: w.id, token: w.l1Token, recipient: w.l1Recipient, amount: w.amount };
}

describe("Bridge exits", () => {
  let f: Fixture;
  let token: Contract;
  let tokenAddress: Address;
  let reentrant: Contract;
  let reentrantAddress: Address;
  let withdrawals: Withdrawal[];
  let tree: WithdrawalTree;
  let checkpoint: number;
  let clean: string;

  const byId = (id: bigint) => {
    const w = withdrawals.find((x) => x.id === id);
    if (!w) throw new Error(`no withdrawal ${id}`);
    return w;
  };
  const exit = (
    w: Withdrawal,
    proof: readonly Hex[] = tree.proof(w.id),
    number = checkpoint,
    as = f.stranger,
  ): Promise<ContractTransactionResponse> =>
    (f.bridge.connect(as) as Contract).getFunction("exit")(number, tuple(w), proof);

  /** What an exit may touch: to show a refused one touched nothing. */
  async function exitState(ids: readonly bigint[]) {
    return {
      exited: await Promise.all(ids.map((id) => view<boolean>(f.bridge, "exited", id))),
      queued: await Promise.all(
        ids.map(async (id) => norm([...(await view<unknown[]>(f.bridge, "queuedExits", id))])),
      ),
      recipientEth: await balanceOf(RECIPIENT),
      recipientTokens: await view<bigint>(token, "balanceOf", RECIPIENT),
      bridgeEth: await balanceOf(f.deployment.bridge),
      bridgeTokens: await view<bigint>(token, "balanceOf", f.deployment.bridge),
    };
  }

  before(async () => {
    f = await deployFixture(makeValidators(4));
    const user = await addressOf(f.user);
    token = await deployArtifact("TestToken", f.user, ["Test Token", "TT", 18]);
    tokenAddress = toAddress(await token.getAddress());
    reentrant = await deployArtifact("ReentrantRecipient", f.user, [f.deployment.bridge]);
    reentrantAddress = toAddress(await reentrant.getAddress());
    await send(token, "mint", user, 100n * ONE);
    await send(token, "approve", f.deployment.bridge, 100n * ONE);
    await send(f.bridge, "depositERC20", tokenAddress, 100n * ONE, user);
    await send(f.bridge, "depositETH", user, { value: 100n * ONE });

    withdrawals = [
      { id: 0n, l1Token: ETH_TOKEN, l1Recipient: RECIPIENT, amount: ONE / 2n },
      { id: 1n, l1Token: tokenAddress, l1Recipient: RECIPIENT, amount: 2n * ONE },
      { id: 2n, l1Token: ETH_TOKEN, l1Recipient: RECIPIENT, amount: 3n * ONE },
      { id: 3n, l1Token: ETH_TOKEN, l1Recipient: RECIPIENT, amount: ONE },
      { id: 4n, l1Token: ETH_TOKEN, l1Recipient: RECIPIENT, amount: ONE },
      { id: 5n, l1Token: ETH_TOKEN, l1Recipient: reentrantAddress, amount: ONE },
      { id: 6n, l1Token: ETH_TOKEN, l1Recipient: OTHER, amount: ONE / 4n },
    ];
    tree = new WithdrawalTree(withdrawals);
    checkpoint = await postCheckpoint(f, tree.root);
    clean = await snapshot();
  });
  beforeEach(async () => {
    await revertTo(clean);
    clean = await snapshot();
  });
  after(async () => {
    await revertTo(clean);
  });

  it("pays an ETH and an ERC20 withdrawal to their recipient, whoever calls", async () => {
    const before = await exitState([0n, 1n]);
    const receipt = await send(
      f.bridge.connect(f.stranger) as Contract,
      "exit",
      checkpoint,
      tuple(byId(0n)),
      tree.proof(0n),
    );
    await (await exit(byId(1n))).wait();
    const after = await exitState([0n, 1n]);
    assert.deepEqual(after.exited, [true, true]);
    assert.equal(after.recipientEth - before.recipientEth, ONE / 2n);
    assert.equal(after.recipientTokens - before.recipientTokens, 2n * ONE);
    assert.equal(before.bridgeEth - after.bridgeEth, ONE / 2n);
    assert.equal(before.bridgeTokens - after.bridgeTokens, 2n * ONE);
    const exited = receipt.logs.map((l) => f.bridge.interface.parseLog(l)).find((e) => e?.name === "Exited");
    assert.deepEqual(norm([...(exited?.args ?? [])]), [0n, ETH_TOKEN, RECIPIENT, ONE / 2n]);
  });

  it("computes the same leaf as the TypeScript side", async () => {
    for (const w of withdrawals)
      assert.equal(await view<string>(f.bridge, "withdrawalLeaf", tuple(w)), withdrawalLeaf(w));
  });

  it("refuses a replayed exit, changing nothing", async () => {
    await (await exit(byId(0n))).wait();
    const before = await exitState([0n]);
    await expectRevert(exit(byId(0n)), f.bridge.interface, "AlreadyExited", [0n]);
    assert.deepEqual(await exitState([0n]), before);
  });

  it("refuses an unknown checkpoint and one whose withdrawals root is zero", async () => {
    const before = await exitState([0n]);
    await expectRevert(exit(byId(0n), tree.proof(0n), 0), f.bridge.interface, "UnknownCheckpoint", [0n]);
    await expectRevert(
      exit(byId(0n), tree.proof(0n), checkpoint + 1),
      f.bridge.interface,
      "UnknownCheckpoint",
      [BigInt(checkpoint + 1)],
    );
    const empty = await postCheckpoint(f, ZERO_ROOT);
    await expectRevert(exit(byId(0n), tree.proof(0n), empty), f.bridge.interface, "EmptyWithdrawalsRoot", [
      BigInt(empty),
    ]);
    // An empty proof of a single leaf equal to zero is the other way a zero root could be "proven".
    await expectRevert(exit(byId(0n), [], empty), f.bridge.interface, "EmptyWithdrawalsRoot", [
      BigInt(empty),
    ]);
    assert.deepEqual(await exitState([0n]), before);
  });

  describe("refuses a tampered exit, changing nothing", () => {
    const flip = (h: Hex): Hex => `0x${(BigInt(h) ^ 1n).toString(16).padStart(64, "0")}`;
    const cases: { title: string; tamper: () => { w: Withdrawal; proof: Hex[] } }[] = [
      {
        title: "a proof element changed",
        tamper: () => ({ w: byId(0n), proof: tree.proof(0n).map((p, i) => (i === 0 ? flip(p) : p)) }),
      },
      { title: "a proof element dropped", tamper: () => ({ w: byId(0n), proof: tree.proof(0n).slice(1) }) },
      {
        title: "a proof element added",
        tamper: () => ({ w: byId(0n), proof: [...tree.proof(0n), flip(tree.root)] }),
      },
      { title: "another withdrawal's proof", tamper: () => ({ w: byId(0n), proof: tree.proof(6n) }) },
      { title: "the amount", tamper: () => ({ w: { ...byId(0n), amount: ONE }, proof: tree.proof(0n) }) },
      {
        title: "the recipient",
        tamper: () => ({ w: { ...byId(0n), l1Recipient: OTHER }, proof: tree.proof(0n) }),
      },
      {
        title: "the token",
        tamper: () => ({ w: { ...byId(0n), l1Token: tokenAddress }, proof: tree.proof(0n) }),
      },
      { title: "the id", tamper: () => ({ w: { ...byId(0n), id: 9n }, proof: tree.proof(0n) }) },
    ];
    for (const c of cases) {
      it(c.title, async () => {
        const { w, proof } = c.tamper();
        const before = await exitState([0n, w.id]);
        await expectRevert(exit(w, proof), f.bridge.interface, "InvalidWithdrawalProof", [w.id]);
        assert.deepEqual(await exitState([0n, w.id]), before);
      });
    }
  });

  describe("pausing", () => {
    it("only the guardian pauses and only the admin unpauses", async () => {
      const guardianRole = await view<string>(f.bridge, "GUARDIAN_ROLE");
      await expectRevert(
        (f.bridge.connect(f.admin) as Contract).getFunction("pause")(),
        f.bridge.interface,
        "AccessControlUnauthorizedAccount",
        [await addressOf(f.admin), guardianRole],
      );
      await send(f.bridge.connect(f.guardian) as Contract, "pause");
      await expectRevert(
        (f.bridge.connect(f.guardian) as Contract).getFunction("unpause")(),
        f.bridge.interface,
        "AccessControlUnauthorizedAccount",
        [await addressOf(f.guardian), `0x${"00".repeat(32)}`],
      );
      assert.equal(await view<boolean>(f.bridge, "paused"), true);
      await send(f.bridge.connect(f.admin) as Contract, "unpause");
      assert.equal(await view<boolean>(f.bridge, "paused"), false);
    });

    it("refuses exits while paused and pays them after", async () => {
      await send(f.bridge.connect(f.guardian) as Contract, "pause");
      const before = await exitState([0n]);
      await expectRevert(exit(byId(0n)), f.bridge.interface, "EnforcedPause");
      assert.deepEqual(await exitState([0n]), before);
      await send(f.bridge.connect(f.admin) as Contract, "unpause");
      await (await exit(byId(0n))).wait();
      assert.equal(await view<boolean>(f.bridge, "exited", 0n), true);
    });
  });

  describe("limits", () => {
    const admin = () => f.bridge.connect(f.admin) as Contract;

    it("can be set by the admin only", async () => {
      await expectRevert(
        (f.bridge.connect(f.guardian) as Contract).getFunction("setLimits")(ETH_TOKEN, ONE, 2n * ONE),
        f.bridge.interface,
        "AccessControlUnauthorizedAccount",
        [await addressOf(f.guardian), `0x${"00".repeat(32)}`],
      );
      await send(admin(), "setLimits", ETH_TOKEN, ONE, 2n * ONE);
      assert.deepEqual([...(await view<bigint[]>(f.bridge, "limits", ETH_TOKEN))], [ONE, 2n * ONE]);
    });

    it("queue an exit over the per-transaction limit and release it to anyone after one window", async () => {
      await send(admin(), "setLimits", ETH_TOKEN, ONE, 10n * ONE);
      const w = byId(2n); // 3 ETH, over the 1 ETH per-transaction limit
      const before = await exitState([2n]);
      const receipt = await (await exit(w)).wait();
      const queuedAt = await latestTimestamp();
      const queuedLog = receipt?.logs
        .map((l) => f.bridge.interface.parseLog(l))
        .find((e) => e?.name === "ExitQueued");
      assert.deepEqual(norm([...(queuedLog?.args ?? [])]), [
        2n,
        ETH_TOKEN,
        RECIPIENT,
        3n * ONE,
        BigInt(checkpoint),
        BigInt(queuedAt + DAY),
      ]);
      const queued = await exitState([2n]);
      assert.deepEqual(queued.exited, [true]);
      assert.equal(queued.recipientEth, before.recipientEth, "nothing paid while queued");
      assert.deepEqual(queued.queued, [[ETH_TOKEN, BigInt(queuedAt + DAY), RECIPIENT, 3n * ONE]]);

      await expectRevert(exit(w), f.bridge.interface, "AlreadyExited", [2n]);
      const release = () => (f.bridge.connect(f.stranger) as Contract).getFunction("releaseQueuedExit")(2n);
      await expectRevert(release(), f.bridge.interface, "ExitStillQueued", [2n, BigInt(queuedAt + DAY)]);
      assert.deepEqual(await exitState([2n]), queued);

      await increaseTime(DAY);
      await send(f.bridge.connect(f.guardian) as Contract, "pause");
      await expectRevert(release(), f.bridge.interface, "EnforcedPause");
      await send(admin(), "unpause");
      await (await release()).wait();
      const released = await exitState([2n]);
      assert.equal(released.recipientEth - before.recipientEth, 3n * ONE);
      assert.deepEqual(released.queued, [NOT_QUEUED]);
      await expectRevert(release(), f.bridge.interface, "NotQueued", [2n]);
    });

    it("queue exits beyond the daily limit and take instant exits again in the next window", async () => {
      await send(admin(), "setLimits", ETH_TOKEN, 0n, 2n * ONE);
      const start = await latestTimestamp();
      // Start in a fresh window with room for the whole test.
      await increaseTime(DAY - (start % DAY) + 10);
      const payout = async (id: bigint) => {
        const before = await balanceOf(byId(id).l1Recipient);
        await (await exit(byId(id))).wait();
        return (await balanceOf(byId(id).l1Recipient)) - before;
      };
      assert.equal(await payout(0n), ONE / 2n);
      const firstAt = await latestTimestamp();
      assert.equal(await payout(3n), ONE);
      const secondAt = await latestTimestamp();
      // The limit refills continuously (2 ETH a day): the room is the 0.5 ETH that 1.5 ETH left, plus the
      // refill of the seconds since, computed as the contract does.
      const refill = (seconds: number) => (2n * ONE * BigInt(seconds)) / BigInt(DAY);
      const used = ONE / 2n - refill(secondAt - firstAt) + ONE - refill((await latestTimestamp()) - secondAt);
      assert.equal(await view<bigint>(f.bridge, "remainingDailyLimit", ETH_TOKEN), 2n * ONE - used);
      assert.ok(2n * ONE - used - ONE / 2n < ONE / 1000n, "a few seconds refill almost nothing");
      assert.equal(await payout(4n), 0n, "1.5 + 1 ETH would exceed the 2 ETH daily limit: queued");
      assert.equal(await payout(6n), ONE / 4n, "a smaller exit still fits the window");
      await increaseTime(DAY);
      assert.equal(await view<bigint>(f.bridge, "remainingDailyLimit", ETH_TOKEN), 2n * ONE);
      assert.equal(await payout(2n), 0n, "3 ETH can never fit a 2 ETH window: queued, not refused");
      const beforeRelease = await balanceOf(RECIPIENT);
      await send(f.bridge.connect(f.stranger) as Contract, "releaseQueuedExit", 4n);
      assert.equal((await balanceOf(RECIPIENT)) - beforeRelease, ONE, "the queued exit is paid in full");
    });

    it("leave tokens without limits unlimited", async () => {
      assert.deepEqual([...(await view<bigint[]>(f.bridge, "limits", tokenAddress))], [0n, 0n]);
      assert.equal(await view<bigint>(f.bridge, "remainingDailyLimit", tokenAddress), 2n ** 256n - 1n);
      await (await exit(byId(1n))).wait();
      assert.deepEqual((await exitState([1n])).queued, [NOT_QUEUED]);
      assert.equal(await view<boolean>(f.bridge, "exited", 1n), true);
    });
  });

  it("blocks a recipient that re-enters the bridge while being paid", async () => {
    await send(reentrant, "arm", checkpoint, tuple(byId(6n)), tree.proof(6n));
    const before = await exitState([5n, 6n]);
    const reentrantBefore = await balanceOf(reentrantAddress);
    await (await exit(byId(5n))).wait();
    assert.equal(await view<bigint>(reentrant, "reentryAttempts"), 1n);
    const reason = await view<string>(reentrant, "reentryRevertData");
    assert.equal(f.bridge.interface.parseError(reason)?.name, "ReentrancyGuardReentrantCall");
    const after = await exitState([5n, 6n]);
    assert.deepEqual(after.exited, [true, false], "the re-entered exit did not happen");
    assert.equal((await balanceOf(reentrantAddress)) - reentrantBefore, ONE);
    assert.equal(before.bridgeEth - after.bridgeEth, ONE);
    await (await exit(byId(6n))).wait();
    assert.equal(await view<boolean>(f.bridge, "exited", 6n), true, "and it can still exit normally");
  });
});
