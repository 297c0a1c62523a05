import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { Contract, ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import { type Address, toAddress } from "../../node/crypto/index.ts";
import { ETH_TOKEN, WithdrawalTree } from "../../node/types/index.ts";
import type { Withdrawal } from "../../node/types/shapes.ts";
import {
  balanceOf,
  increaseTime,
  latestTimestamp,
  revertTo,
  setNextTimestamp,
  snapshot,
} from "./support/chain.ts";
import {
  addressOf,
  deployArtifact,
  deployFixture,
  type Fixture,
  postCheckpoint,
  send,
  view,
} from "./support/fixture.ts";
import { makeValidators } from "./support/keys.ts";
import { expectRevert } from "./support/revert.ts";

/**
 * The exit controls a security review asked for: stopping a queued exit (freeze, cancel), a rolling daily
 * limit, small exits that others cannot hold up for a day, recipients that reject ETH, and recipients L1 can
 * never pay. Each `it` below names the defect it covers.
 */

const ONE = 10n ** 18n;
const DAY = 86_400;
const HOUR = 3_600;
const RECIPIENT: Address = `0x${"5e".repeat(20)}`;
const OTHER: Address = `0x${"6f".repeat(20)}`;
const ZERO: Address = `0x${"00".repeat(20)}`;
const NOT_QUEUED = [ZERO, 0n, ZERO, 0n];

function tuple(w: Withdrawal) {
  return { id: w.id, token: w.l1Token, recipient: w.l1Recipient, amount: w.amount };
}

function norm(values: readonly unknown[]): unknown[] {
  return values.map((v) => (typeof v === "string" ? v.toLowerCase() : v));
}

describe("Bridge exit controls", () => {
  let f: Fixture;
  let rejecting: Contract;
  let rejectingAddress: Address;
  let blocklist: Contract;
  let blocklistAddress: Address;
  let withdrawals: Withdrawal[];
  let tree: WithdrawalTree;
  let checkpoint: number;
  let clean: string;

  const byId = (id: bigint): Withdrawal => {
    const w = withdrawals.find((x) => x.id === id);
    if (!w) throw new Error(`no withdrawal ${id}`);
    return w;
  };
  const exit = (id: bigint, as = f.stranger): Promise<ContractTransactionResponse> =>
    (f.bridge.connect(as) as Contract).getFunction("exit")(checkpoint, tuple(byId(id)), tree.proof(id));
  const exitMined = async (id: bigint): Promise<ContractTransactionReceipt> => {
    const receipt = await (await exit(id)).wait();
    if (receipt === null) throw new Error("no receipt");
    return receipt;
  };
  const release = (id: bigint): Promise<ContractTransactionResponse> =>
    (f.bridge.connect(f.stranger) as Contract).getFunction("releaseQueuedExit")(id);
  const as = (who: "admin" | "guardian" | "stranger") => f.bridge.connect(f[who]) as Contract;
  const events = (receipt: ContractTransactionReceipt | null, name: string) =>
    (receipt?.logs ?? [])
      .map((l) => f.bridge.interface.parseLog(l))
      .filter((e) => e?.name === name)
      .map((e) => norm([...(e?.args ?? [])]));
  const queued = async (id: bigint) => norm([...(await view<unknown[]>(f.bridge, "queuedExits", id))]);

  before(async () => {
    f = await deployFixture(makeValidators(4));
    const user = await addressOf(f.user);
    rejecting = await deployArtifact("RejectingRecipient", f.user);
    rejectingAddress = toAddress(await rejecting.getAddress());
    await send(f.bridge, "depositETH", user, { value: 100n * ONE });
    blocklist = await deployArtifact("BlocklistToken", f.user);
    blocklistAddress = toAddress(await blocklist.getAddress());
    await send(blocklist, "mint", user, 10n * ONE);
    await send(blocklist, "approve", f.deployment.bridge, 10n * ONE);
    await send(f.bridge, "depositERC20", blocklistAddress, 10n * ONE, user);
    const eth = (id: bigint, l1Recipient: Address, amount: bigint): Withdrawal => ({
      id,
      l1Token: ETH_TOKEN,
      l1Recipient,
      amount,
    });
    withdrawals = [
      eth(0n, RECIPIENT, ONE / 2n),
      eth(1n, OTHER, ONE),
      eth(2n, OTHER, ONE),
      eth(3n, RECIPIENT, 50n * ONE),
      eth(4n, RECIPIENT, 3n * ONE),
      eth(5n, RECIPIENT, 2n * ONE),
      eth(6n, RECIPIENT, 2n * ONE),
      eth(7n, RECIPIENT, 2n * ONE),
      eth(8n, rejectingAddress, ONE),
      eth(9n, rejectingAddress, 3n * ONE),
      eth(10n, ZERO, ONE),
      eth(11n, f.deployment.bridge, ONE),
      { id: 12n, l1Token: blocklistAddress, l1Recipient: RECIPIENT, amount: 4n * ONE },
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

  it("defect 1: the guardian freezes a queued exit and the admin cancels it, while other exits go on", async () => {
    // 1 ETH per exit and per day: the 50 ETH exit of a bad checkpoint is queued.
    await send(as("admin"), "setLimits", ETH_TOKEN, ONE, ONE);
    await exitMined(3n);
    assert.notDeepEqual(await queued(3n), NOT_QUEUED);
    await send(as("guardian"), "pause");

    const guardianRole = await view<string>(f.bridge, "GUARDIAN_ROLE");
    await expectRevert(
      as("stranger").getFunction("freezeQueuedExits")([3n]),
      f.bridge.interface,
      "AccessControlUnauthorizedAccount",
      [await addressOf(f.stranger), guardianRole],
    );
    const frozen = await send(as("guardian"), "freezeQueuedExits", [3n]);
    assert.deepEqual(events(frozen, "ExitFrozen"), [[3n]]);
    assert.equal(await view<boolean>(f.bridge, "frozenExits", 3n), true);
    await send(as("admin"), "unpause");

    // The rest of the bridge works: a small exit is paid at once.
    const recipientBefore = await balanceOf(RECIPIENT);
    await exitMined(0n);
    assert.equal((await balanceOf(RECIPIENT)) - recipientBefore, ONE / 2n);

    // Its release time passes, and still nobody can release it.
    await increaseTime(DAY + 1);
    const bridgeBefore = await balanceOf(f.deployment.bridge);
    await expectRevert(release(3n), f.bridge.interface, "QueuedExitFrozen", [3n]);
    assert.equal(await balanceOf(f.deployment.bridge), bridgeBefore);

    // Cancelling is the admin's, not the guardian's.
    await expectRevert(
      as("guardian").getFunction("cancelQueuedExits")([3n]),
      f.bridge.interface,
      "AccessControlUnauthorizedAccount",
      [await addressOf(f.guardian), `0x${"00".repeat(32)}`],
    );
    const cancelled = await send(as("admin"), "cancelQueuedExits", [3n]);
    assert.deepEqual(events(cancelled, "ExitCancelled"), [[3n, ETH_TOKEN, RECIPIENT, 50n * ONE]]);
    assert.deepEqual(await queued(3n), NOT_QUEUED);
    assert.equal(await view<boolean>(f.bridge, "frozenExits", 3n), false);
    assert.equal(await view<boolean>(f.bridge, "cancelledExits", 3n), true);
    assert.equal(await view<boolean>(f.bridge, "exited", 3n), true);
    // The funds stay locked in the vault, and the same proof can never exit them again.
    assert.equal(await balanceOf(f.deployment.bridge), bridgeBefore);
    await expectRevert(exit(3n), f.bridge.interface, "AlreadyExited", [3n]);
    await expectRevert(release(3n), f.bridge.interface, "NotQueued", [3n]);
    await expectRevert(
      as("guardian").getFunction("freezeQueuedExits")([3n]),
      f.bridge.interface,
      "NotQueued",
      [3n],
    );
  });

  it("defect 1: the admin unfreezes an exit the guardian froze by mistake, which is then released", async () => {
    await send(as("admin"), "setLimits", ETH_TOKEN, ONE, 0n);
    await exitMined(4n);
    await send(as("guardian"), "freezeQueuedExits", [4n]);
    await expectRevert(
      as("guardian").getFunction("unfreezeQueuedExits")([4n]),
      f.bridge.interface,
      "AccessControlUnauthorizedAccount",
      [await addressOf(f.guardian), `0x${"00".repeat(32)}`],
    );
    const unfrozen = await send(as("admin"), "unfreezeQueuedExits", [4n]);
    assert.deepEqual(events(unfrozen, "ExitUnfrozen"), [[4n]]);
    await increaseTime(DAY + 1);
    const before = await balanceOf(RECIPIENT);
    await (await release(4n)).wait();
    assert.equal((await balanceOf(RECIPIENT)) - before, 3n * ONE);
  });

  it("defect 5: the daily limit holds across a day boundary (rolling, not a fixed window)", async () => {
    await send(as("admin"), "setLimits", ETH_TOKEN, 0n, 2n * ONE);
    const boundary = (Math.floor((await latestTimestamp()) / DAY) + 2) * DAY;
    const before = await balanceOf(RECIPIENT);
    await setNextTimestamp(boundary - 2);
    await exitMined(5n);
    assert.equal((await balanceOf(RECIPIENT)) - before, 2n * ONE, "the first 2 ETH fit the limit");
    // Four seconds later, in a new UTC day: a fixed window would pay 2 ETH more.
    await setNextTimestamp(boundary + 2);
    const second = await exitMined(6n);
    assert.equal((await balanceOf(RECIPIENT)) - before, 2n * ONE, "no more than the daily limit in 4 s");
    assert.equal(events(second, "ExitQueued").length, 1);
    // A day after the first exit the whole limit is available again.
    await setNextTimestamp(boundary - 2 + DAY);
    await exitMined(7n);
    assert.equal((await balanceOf(RECIPIENT)) - before, 4n * ONE);
  });

  it("defect 6: a small exit queued because others used up the limit is released once the limit has room", async () => {
    await send(as("admin"), "setLimits", ETH_TOKEN, ONE, 2n * ONE);
    // Someone exits other people's withdrawals first to use up the day's allowance.
    await exitMined(1n);
    await exitMined(2n);
    const before = await balanceOf(RECIPIENT);
    await exitMined(0n);
    const [, releaseAt] = (await queued(0n)) as [string, bigint];
    assert.ok(releaseAt > 0n, "the small exit is queued");
    await expectRevert(release(0n), f.bridge.interface, "ExitStillQueued", [0n, releaseAt]);
    assert.equal(await view<boolean>(f.bridge, "releasable", 0n), false);
    await exitMined(4n); // 3 ETH: over the per-exit limit
    const [, bigReleaseAt] = (await queued(4n)) as [string, bigint];

    // A quarter of a day refills a quarter of the 2 ETH limit: room for 0.5 ETH, long before releaseAt.
    await increaseTime(6 * HOUR + 60);
    assert.equal(await view<boolean>(f.bridge, "releasable", 0n), true);
    assert.equal(await view<boolean>(f.bridge, "releasable", 4n), false);
    await (await release(0n)).wait();
    assert.equal((await balanceOf(RECIPIENT)) - before, ONE / 2n);
    assert.ok(BigInt(await latestTimestamp()) < releaseAt - 12n * BigInt(HOUR));
    // An exit over the per-exit limit still waits for its whole delay.
    await expectRevert(release(4n), f.bridge.interface, "ExitStillQueued", [4n, bigReleaseAt]);
  });

  it("defect 7: an ETH exit to a recipient that rejects ETH is credited and can be claimed", async () => {
    const bridgeBefore = await balanceOf(f.deployment.bridge);
    const receipt = await exitMined(8n);
    assert.deepEqual(events(receipt, "Exited"), [[8n, ETH_TOKEN, rejectingAddress, ONE]]);
    assert.deepEqual(events(receipt, "ExitCredited"), [[8n, ETH_TOKEN, rejectingAddress, ONE]]);
    assert.equal(await view<bigint>(f.bridge, "claimable", ETH_TOKEN, rejectingAddress), ONE);
    assert.equal(await balanceOf(f.deployment.bridge), bridgeBefore);
    assert.equal(await balanceOf(rejectingAddress), 0n);

    // Paying the credit to the recipient still fails while it rejects ETH; the recipient sends it elsewhere.
    await expectRevert(
      as("stranger").getFunction("claim")(ETH_TOKEN, rejectingAddress),
      rejecting.interface,
      "Rejected",
    );
    assert.equal(await view<bigint>(f.bridge, "claimable", ETH_TOKEN, rejectingAddress), ONE);
    const otherBefore = await balanceOf(OTHER);
    const claimTo = f.bridge.interface.encodeFunctionData("claimTo", [ETH_TOKEN, OTHER]);
    await send(rejecting, "forward", f.deployment.bridge, claimTo);
    assert.equal((await balanceOf(OTHER)) - otherBefore, ONE);
    assert.equal(await view<bigint>(f.bridge, "claimable", ETH_TOKEN, rejectingAddress), 0n);
    assert.equal(bridgeBefore - (await balanceOf(f.deployment.bridge)), ONE);

    // A queued exit to it is credited on release too, and anyone can pay the credit once it accepts ETH.
    await send(as("admin"), "setLimits", ETH_TOKEN, ONE, 0n);
    await exitMined(9n);
    await increaseTime(DAY + 1);
    await (await release(9n)).wait();
    assert.equal(await view<bigint>(f.bridge, "claimable", ETH_TOKEN, rejectingAddress), 3n * ONE);
    await send(rejecting, "setAccepting", true);
    await send(as("stranger"), "claim", ETH_TOKEN, rejectingAddress);
    assert.equal(await balanceOf(rejectingAddress), 3n * ONE);
    await expectRevert(
      as("stranger").getFunction("claim")(ETH_TOKEN, rejectingAddress),
      f.bridge.interface,
      "NothingToClaim",
      [ETH_TOKEN, rejectingAddress],
    );
  });

  it("defect 7: an ERC20 exit the token refuses (a blocklisted recipient) is credited and can be claimed", async () => {
    await send(blocklist, "setBlocked", RECIPIENT, true);
    const receipt = await exitMined(12n);
    assert.deepEqual(events(receipt, "ExitCredited"), [[12n, blocklistAddress, RECIPIENT, 4n * ONE]]);
    assert.equal(await view<bigint>(f.bridge, "claimable", blocklistAddress, RECIPIENT), 4n * ONE);
    assert.equal(await view<bigint>(blocklist, "balanceOf", f.deployment.bridge), 10n * ONE);
    await send(blocklist, "setBlocked", RECIPIENT, false);
    const claimed = await send(as("stranger"), "claim", blocklistAddress, RECIPIENT);
    assert.deepEqual(events(claimed, "Claimed"), [[blocklistAddress, RECIPIENT, RECIPIENT, 4n * ONE]]);
    assert.equal(await view<bigint>(blocklist, "balanceOf", RECIPIENT), 4n * ONE);
    assert.equal(await view<bigint>(f.bridge, "claimable", blocklistAddress, RECIPIENT), 0n);
  });

  it("defect 8: refuses an exit to the zero address or to the bridge itself, changing nothing", async () => {
    const bridgeBefore = await balanceOf(f.deployment.bridge);
    await expectRevert(exit(10n), f.bridge.interface, "InvalidRecipient", [ZERO]);
    await expectRevert(exit(11n), f.bridge.interface, "InvalidRecipient", [f.deployment.bridge]);
    assert.equal(await balanceOf(f.deployment.bridge), bridgeBefore);
    assert.equal(await view<boolean>(f.bridge, "exited", 10n), false);
    assert.equal(await view<boolean>(f.bridge, "exited", 11n), false);
  });
});
