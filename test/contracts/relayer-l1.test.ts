import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { BrowserProvider, type Contract, Wallet } from "ethers";
import hre from "hardhat";
import { buildCheckpointSubmission } from "../../bridge/relayer/checkpointCalldata.ts";
import { L1PendingError, L1RevertError } from "../../bridge/relayer/errors.ts";
import { createEthersL1, type EthersL1 } from "../../bridge/relayer/l1.ts";
import { type Address, type Hex, toAddress } from "../../node/crypto/index.ts";
import { depositHash, ETH_TOKEN, signCheckpoint, WithdrawalTree } from "../../node/types/index.ts";
import type { CheckpointInfo, ValidatorsInfo } from "../../node/types/rpc/index.ts";
import type { Checkpoint, Withdrawal } from "../../node/types/shapes.ts";
import { increaseTime } from "./support/chain.ts";
import {
  addressOf,
  deployArtifact,
  deployFixture,
  type Fixture,
  nextCheckpoint,
  send,
  view,
} from "./support/fixture.ts";
import { makeValidators, testKey } from "./support/keys.ts";

/**
 * The relayer's ethers L1 adapter against the real contracts on hardhat's in-process EVM: event decoding,
 * confirmation depth, estimate-before-send, revert decoding, exits and queued releases.
 */

const ONE = 10n ** 18n;
const DAY = 86_400;
const L2_RECIPIENT: Address = `0x${"a2".repeat(20)}`;
describe("relayer L1 adapter (ethers, hardhat EVM)", () => {
  let f: Fixture;
  let wallet: Wallet;
  let provider: BrowserProvider;
  let token: Contract;
  const l1 = (confirmations: number | "finalized" = 0): EthersL1 =>
    createEthersL1(
      {
        bridge: f.deployment.bridge,
        checkpointManager: f.deployment.checkpointManager,
        deploymentBlock: f.deployment.deploymentBlock,
        confirmations,
      },
      { provider, signer: wallet },
    );

  function certified(checkpoint: Checkpoint): { info: CheckpointInfo; set: ValidatorsInfo } {
    return {
      info: {
        checkpoint,
        signatures: f.validators.map((v) => ({
          validator: v.address,
          signature: signCheckpoint(checkpoint, f.domain, v.privateKey),
        })),
        l1: { status: "pending", txHash: null },
      },
      set: {
        height: checkpoint.startHeight,
        epoch: 0,
        totalPower: f.validators.reduce((sum, v) => sum + v.power, 0n),
        validators: f.validators.map((v) => ({
          address: v.address,
          power: v.power,
          stake: v.power * 10n ** 18n,
          jailed: false,
          jailedUntil: 0,
          slashed: 0n,
          missedInWindow: 0,
        })),
      },
    };
  }

  async function nextSignedCheckpoint(withdrawalsRoot: Hex) {
    const number = Number(await view<bigint>(f.manager, "lastCheckpointNumber"));
    const endHeight = Number(await view<bigint>(f.manager, "lastEndHeight"));
    const checkpoint = nextCheckpoint(
      { number, endHeight },
      { withdrawalsRoot, nextValidatorSetHash: await view<Hex>(f.manager, "validatorSetHash") },
    );
    const { info, set } = certified(checkpoint);
    return buildCheckpointSubmission(info, set, f.domain);
  }

  before(async () => {
    f = await deployFixture(makeValidators(4));
    // Its own provider without ethers' response cache: the adapter re-reads state right after transactions.
    provider = new BrowserProvider(hre.network.provider, undefined, { cacheTimeout: -1 });
    wallet = new Wallet(testKey("relayer", 0), provider);
    await (await f.deployer.sendTransaction({ to: wallet.address, value: 10n * ONE })).wait();
    token = await deployArtifact("TestToken", f.user, ["Test Token", "TT", 6]);
    await send(token, "mint", await addressOf(f.user), 1000n);
    await send(token, "approve", f.deployment.bridge, 1000n);
  });

  it("reads Deposited events as claims that match Bridge.depositHash, up to the confirmed block", async () => {
    const first = await send(f.bridge, "depositETH", L2_RECIPIENT, { value: 3n * ONE });
    const second = await send(f.bridge, "depositERC20", await token.getAddress(), 250n, L2_RECIPIENT);
    const third = await send(f.bridge, "depositETH", L2_RECIPIENT, { value: ONE });

    const adapter = l1();
    const confirmed = await adapter.confirmedBlock();
    assert.equal(confirmed, third.blockNumber);
    assert.equal(await adapter.nextDepositNonce(confirmed ?? 0), 3n);
    const claims = await adapter.deposits([0n, 1n, 2n], confirmed ?? 0);
    assert.deepEqual(
      claims.map((c) => c.nonce),
      [0n, 1n, 2n],
    );
    for (const claim of claims) {
      assert.equal(depositHash(claim), await view<Hex>(f.bridge, "depositHash", claim.nonce));
      for (const a of [claim.l1Token, claim.from, claim.to, claim.l1TxHash]) assert.equal(a, a.toLowerCase());
    }
    assert.deepEqual(
      claims.map((c) => c.l1TxHash),
      [first.hash, second.hash, third.hash].map((h) => h.toLowerCase()),
    );
    const erc20 = claims[1];
    assert.equal(erc20?.l1Token, toAddress(await token.getAddress()));
    assert.deepEqual(
      [erc20?.name, erc20?.symbol, erc20?.decimals, erc20?.amount],
      ["Test Token", "TT", 6, 250n],
    );
    assert.equal(claims[0]?.l1Token, ETH_TOKEN);

    // Only the nonces asked for, and nothing past the confirmed block.
    assert.deepEqual(
      (await adapter.deposits([1n], confirmed ?? 0)).map((c) => c.nonce),
      [1n],
    );
    const twoDeep = l1(2);
    const shallow = await twoDeep.confirmedBlock();
    assert.equal(shallow, third.blockNumber - 2);
    assert.equal(await twoDeep.nextDepositNonce(shallow ?? 0), 1n);
    assert.deepEqual(
      (await twoDeep.deposits([0n, 1n, 2n], shallow ?? 0)).map((c) => c.nonce),
      [0n],
    );
    assert.equal(typeof (await l1("finalized").confirmedBlock()), "number");
  });

  it("submits a checkpoint, and refuses a stale one at the estimate without sending anything", async () => {
    const adapter = l1();
    const submission = await nextSignedCheckpoint(`0x${"00".repeat(32)}`);
    const result = await adapter.submitCheckpoint(submission);
    assert.match(result.txHash, /^0x[0-9a-f]{64}$/);
    assert.ok(result.gasUsed > 0n);
    assert.equal(await adapter.lastCheckpointNumber(), submission.checkpoint.number);

    const nonce = await provider.getTransactionCount(wallet.address);
    await assert.rejects(adapter.submitCheckpoint(submission), (err: unknown) => {
      assert.ok(err instanceof L1RevertError);
      assert.equal(err.stage, "estimate");
      assert.equal(err.reason, "CheckpointNumberGap");
      return true;
    });
    assert.equal(await provider.getTransactionCount(wallet.address), nonce);
  });

  it("keeps one transaction in flight: a slow one blocks the next until it is mined", async () => {
    const adapter = createEthersL1(
      {
        bridge: f.deployment.bridge,
        checkpointManager: f.deployment.checkpointManager,
        deploymentBlock: f.deployment.deploymentBlock,
        confirmations: 0,
        receiptTimeoutMs: 200,
      },
      { provider, signer: wallet },
    );
    const first = await nextSignedCheckpoint(`0x${"00".repeat(32)}`);
    const following = nextCheckpoint(first.checkpoint, {
      nextValidatorSetHash: first.checkpoint.nextValidatorSetHash,
    });
    const { info, set } = certified(following);
    const second = buildCheckpointSubmission(info, set, f.domain);

    await provider.send("evm_setAutomine", [false]);
    try {
      await assert.rejects(adapter.submitCheckpoint(first), L1PendingError);
      const sent = await provider.getTransactionCount(wallet.address, "pending");
      await assert.rejects(adapter.submitCheckpoint(second), L1PendingError);
      assert.equal(await provider.getTransactionCount(wallet.address, "pending"), sent);
      await provider.send("evm_mine", []);
    } finally {
      await provider.send("evm_setAutomine", [true]);
    }
    await adapter.submitCheckpoint(second);
    assert.equal(await adapter.lastCheckpointNumber(), second.checkpoint.number);
  });

  it("exits a withdrawal once, and queues then releases one over the limit", async () => {
    const adapter = l1();
    const recipient = toAddress(Wallet.createRandom().address);
    const withdrawals: Withdrawal[] = [
      { id: 0n, l1Token: ETH_TOKEN, l1Recipient: recipient, amount: ONE },
      { id: 1n, l1Token: ETH_TOKEN, l1Recipient: recipient, amount: 2n * ONE },
    ];
    const tree = new WithdrawalTree(withdrawals);
    const submission = await nextSignedCheckpoint(tree.root);
    await adapter.submitCheckpoint(submission);
    const number = submission.checkpoint.number;
    await send(f.bridge.connect(f.admin) as Contract, "setLimits", ETH_TOKEN, ONE, 0n);

    const [small, large] = withdrawals as [Withdrawal, Withdrawal];
    const paid = await adapter.exit(number, small, tree.proof(0n));
    assert.equal(paid.queuedUntil, null);
    assert.equal(await provider.getBalance(recipient), ONE);
    assert.equal(await adapter.exited(0n), true);
    await assert.rejects(adapter.exit(number, small, tree.proof(0n)), (err: unknown) => {
      assert.ok(err instanceof L1RevertError);
      assert.equal(err.reason, "AlreadyExited");
      return true;
    });

    const queued = await adapter.exit(number, large, tree.proof(1n));
    assert.ok(queued.queuedUntil !== null);
    assert.deepEqual(await adapter.queuedExits(1n), {
      token: ETH_TOKEN,
      releaseAt: queued.queuedUntil,
      recipient,
      amount: 2n * ONE,
    });
    assert.ok((await adapter.latestTimestamp()) < queued.queuedUntil);
    await assert.rejects(adapter.releaseQueuedExit(1n), (err: unknown) => {
      assert.ok(err instanceof L1RevertError);
      assert.equal(err.reason, "ExitStillQueued");
      return true;
    });
    assert.equal(await adapter.releasable(1n), false);
    // A frozen exit is refused with a reason the relayer recognises.
    await send(f.bridge.connect(f.guardian) as Contract, "freezeQueuedExits", [1n]);
    await increaseTime(DAY);
    assert.equal(await adapter.releasable(1n), false);
    await assert.rejects(adapter.releaseQueuedExit(1n), (err: unknown) => {
      assert.ok(err instanceof L1RevertError);
      assert.equal(err.reason, "QueuedExitFrozen");
      return true;
    });
    await send(f.bridge.connect(f.admin) as Contract, "unfreezeQueuedExits", [1n]);
    assert.equal(await adapter.releasable(1n), true);
    await adapter.releaseQueuedExit(1n);
    assert.equal(await adapter.queuedExits(1n), null);
    assert.equal(await provider.getBalance(recipient), 3n * ONE);
  });
});
