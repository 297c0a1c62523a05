import assert from "node:assert/strict";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Contract, JsonRpcProvider, parseEther, Wallet } from "ethers";
import { AlreadyExitedError } from "../../bridge/client/index.ts";
import { SidechainRpc, SidechainRpcError } from "../../bridge/sidechainRpc.ts";
import { type NodeProcess, spawnNode } from "../../cli/devnet/nodeProcess.ts";
import { devAccountKey, devValidatorKey } from "../../genesis/devKeys.ts";
import { writeValidatorKey } from "../../genesis/validatorKey.ts";
import { STAKING_ADDRESS } from "../../node/app/index.ts";
import { CONFIG_FILE, renderConfigFile } from "../../node/config/configFile.ts";
import type { NodeConfigInput } from "../../node/config/nodeConfig.ts";
import { type Address, hashValidatorSet, privateKeyToAddress } from "../../node/crypto/index.ts";
import {
  CHECKPOINT_MANAGER_ABI,
  type DepositClaim,
  ETH_TOKEN,
  SIDECHAIN_TOKEN_ABI,
  STAKING_ABI,
} from "../../node/types/index.ts";
import { BridgeNet } from "../helpers/bridgeNet.ts";
import { eventually } from "../helpers/cluster.ts";

/**
 * DESIGN.md §5 on real processes: an anvil L1, 4 validators that confirm deposits against it, and a relayer that
 * is killed mid-flow. After every settled step, for every token, what L1 holds equals the sidechain supply plus
 * the withdrawals not yet exited.
 */

const EPOCH = 10;
const ALICE = 1;
const BOB = 2;
const randomAddress = () => Wallet.createRandom().address.toLowerCase() as Address;

describe("the bridge end to end (L1 + 4 validators + relayer)", { timeout: 600_000 }, () => {
  let net: BridgeNet;
  let sidechain: JsonRpcProvider;
  let fifth: NodeProcess | null = null;
  /** Every withdrawal made, so the invariant can count those not yet exited. */
  const withdrawals: { id: bigint; token: Address; amount: bigint }[] = [];
  const alice = privateKeyToAddress(devAccountKey(ALICE));
  const bob = privateKeyToAddress(devAccountKey(BOB));

  before(async () => {
    net = await BridgeNet.create({ validators: 4, epochLength: EPOCH });
    await net.cluster.startAll();
    await net.startRelayer();
    sidechain = new JsonRpcProvider(net.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  });
  after(async () => {
    sidechain?.destroy();
    await fifth?.stop();
    await net?.destroy();
  });

  const nodes = () => net.cluster.nodes.map((n) => new SidechainRpc(n.rpcUrl));
  const tokens = () => [ETH_TOKEN as Address, net.testToken];

  async function l2TokenOf(l1Token: Address): Promise<Address> {
    const token = (await net.sidechain.bridgeInfo()).tokens.find((t) => t.l1Token === l1Token);
    assert.ok(token, `no sidechain token for ${l1Token}`);
    return token.l2Token;
  }

  async function l2Balance(l1Token: Address, holder: Address): Promise<bigint> {
    const token = new Contract(await l2TokenOf(l1Token), SIDECHAIN_TOKEN_ABI, sidechain);
    return (await token.getFunction("balanceOf")(holder)) as bigint;
  }

  async function assertInvariant(step: string): Promise<void> {
    const info = await net.sidechain.bridgeInfo();
    for (const l1Token of tokens()) {
      const supply = info.tokens.find((t) => t.l1Token === l1Token)?.totalSupply ?? 0n;
      let unexited = 0n;
      for (const w of withdrawals.filter((w) => w.token === l1Token)) {
        if (!(await net.exitedOnL1(w.id))) unexited += w.amount;
      }
      assert.equal(
        await net.lockedOnL1(l1Token),
        supply + unexited,
        `${step}: ${l1Token} locked on L1 = sidechain supply ${supply} + unexited ${unexited}`,
      );
    }
  }

  async function mintedEverywhere(nonce: bigint): Promise<void> {
    await eventually(
      `deposit ${nonce} minted on every node`,
      async () =>
        (await Promise.all(nodes().map((n) => n.deposit(nonce)))).every((d) => d?.status === "minted"),
      60_000,
    );
  }

  it("mints a deposit of ETH and of an ERC20 exactly once", async () => {
    const client = net.client(ALICE);
    try {
      const eth = await client.deposit({ token: { kind: "eth" }, amount: parseEther("2") });
      const tst = await client.deposit({
        token: { kind: "address", address: net.testToken },
        amount: parseEther("100"),
      });
      await mintedEverywhere(eth.nonce);
      await mintedEverywhere(tst.nonce);
      assert.equal(await l2Balance(ETH_TOKEN as Address, alice), parseEther("2"));
      assert.equal(await l2Balance(net.testToken, alice), parseEther("100"));
      const info = await net.sidechain.bridgeInfo();
      const weth = info.tokens.find((t) => t.l1Token === ETH_TOKEN);
      assert.deepEqual([weth?.symbol, weth?.decimals], ["WETH", 18]);
      assert.equal(info.tokens.find((t) => t.l1Token === net.testToken)?.symbol, "TST");
      // The same client sees tokens it bridged after it connected.
      assert.equal((await client.withdrawToken({ kind: "eth" })).symbol, "WETH");

      // A replayed claim is answered from state and mints nothing more.
      const minted = await net.sidechain.deposit(eth.nonce);
      assert.ok(minted);
      const replay: DepositClaim = {
        nonce: eth.nonce,
        l1Token: ETH_TOKEN as Address,
        from: minted.from,
        to: minted.to,
        amount: minted.amount,
        name: "Ether",
        symbol: "ETH",
        decimals: 18,
        l1TxHash: minted.l1TxHash,
      };
      assert.equal((await net.sidechain.submitDepositClaim(replay)).status, "minted");
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(await l2Balance(ETH_TOKEN as Address, alice), parseEther("2"));
      await assertInvariant("after the deposits");
    } finally {
      client.close();
    }
  });

  it("rejects forged claims and claims for deposits not on L1 at every validator; a relayer restarted after a deposit mints it once", async () => {
    await net.killRelayer();
    const client = net.client(ALICE);
    try {
      const deposit = await client.deposit({ token: { kind: "eth" }, amount: parseEther("1") });
      const genuine: DepositClaim = {
        nonce: deposit.nonce,
        l1Token: ETH_TOKEN as Address,
        from: alice,
        to: alice,
        amount: parseEther("1"),
        name: "Ether",
        symbol: "ETH",
        decimals: 18,
        l1TxHash: deposit.l1TxHash,
      };
      const forged = { ...genuine, amount: parseEther("1000") };
      const nonexistent = { ...genuine, nonce: deposit.nonce + 1n };
      const redirected = { ...genuine, to: bob };
      // A claim is judged at L1's final block, which may trail the deposit's receipt for a moment: until then
      // every claim for the nonce is "not final"; after, a forged one "does not match". None is ever taken.
      const rejection = async (node: SidechainRpc, claim: DepositClaim): Promise<string> => {
        const err = await node.submitDepositClaim(claim).then(
          () => assert.fail(`node ${node.url} took claim ${claim.nonce} for ${claim.amount} to ${claim.to}`),
          (e: unknown) => e,
        );
        assert.ok(err instanceof SidechainRpcError, String(err));
        return err.message;
      };
      for (const node of nodes()) {
        for (const claim of [forged, redirected]) {
          await eventually(
            `${node.url} to judge the forged claim against the final deposit`,
            async () => /does not match L1/.test(await rejection(node, claim)),
            30_000,
          );
        }
        assert.match(await rejection(node, nonexistent), /not on L1/);
        assert.equal(await node.deposit(deposit.nonce), null, "a rejected claim is not held");
      }
      // Nobody relays while the relayer is down: the deposit waits on L1, locked but not minted.
      await new Promise((r) => setTimeout(r, 2_000));
      assert.equal(await net.sidechain.deposit(deposit.nonce), null);
      assert.equal((await net.sidechain.bridgeInfo()).nextDepositNonce, deposit.nonce);

      await net.startRelayer();
      await mintedEverywhere(deposit.nonce);
      assert.equal(await l2Balance(ETH_TOKEN as Address, alice), parseEther("3"));
      assert.equal((await net.sidechain.bridgeInfo()).nextDepositNonce, deposit.nonce + 1n);
      await assertInvariant("after the relayed deposit");
    } finally {
      client.close();
      // A failure above must not leave the later steps without a relayer.
      if (!net.relayer) await net.startRelayer();
    }
  });

  it("moves bridged tokens on the sidechain", async () => {
    const wallet = new Wallet(devAccountKey(ALICE), sidechain);
    const weth = new Contract(await l2TokenOf(ETH_TOKEN as Address), SIDECHAIN_TOKEN_ABI, wallet);
    await (await weth.getFunction("transfer")(bob, parseEther("0.5"))).wait();
    assert.equal(await l2Balance(ETH_TOKEN as Address, alice), parseEther("2.5"));
    assert.equal(await l2Balance(ETH_TOKEN as Address, bob), parseEther("0.5"));
    await assertInvariant("after the transfer");
  });

  it("withdraws both tokens, certifies and submits the checkpoint (also after a relayer crash), and pays the exits on L1", async () => {
    const recipientA = randomAddress();
    const recipientB = randomAddress();
    const aliceClient = net.client(ALICE);
    const bobClient = net.client(BOB);
    try {
      await net.killRelayer();
      const made = [
        await aliceClient.withdraw({ token: { kind: "eth" }, amount: parseEther("1"), to: recipientA }),
        await aliceClient.withdraw({
          token: { kind: "address", address: net.testToken },
          amount: parseEther("40"),
          to: recipientA,
        }),
        await bobClient.withdraw({ token: { kind: "eth" }, amount: parseEther("0.5"), to: recipientB }),
      ];
      withdrawals.push(
        { id: made[0]?.id ?? -1n, token: ETH_TOKEN as Address, amount: parseEther("1") },
        { id: made[1]?.id ?? -1n, token: net.testToken, amount: parseEther("40") },
        { id: made[2]?.id ?? -1n, token: ETH_TOKEN as Address, amount: parseEther("0.5") },
      );
      assert.equal(await l2Balance(ETH_TOKEN as Address, alice), parseEther("1.5"));
      assert.equal(await l2Balance(ETH_TOKEN as Address, bob), 0n);
      await assertInvariant("after the withdrawals");

      // Certified on the sidechain while no relayer runs: nothing reaches L1 until one is back.
      const last = made.at(-1);
      assert.ok(last);
      const proof = await eventually(
        "the withdrawals' checkpoint certified",
        async () => net.sidechain.withdrawalProof(last.id).catch(() => undefined),
        60_000,
      );
      const number = proof.checkpointNumber;
      const manager = new Contract(net.deployment.checkpointManager, CHECKPOINT_MANAGER_ABI, net.l1Provider);
      const onL1 = async () => Number(await manager.getFunction("lastCheckpointNumber")());
      assert.ok((await onL1()) < number, "no checkpoint reaches L1 without a relayer");
      assert.equal((await net.sidechain.checkpoint(number))?.l1.status, "pending");
      await assert.rejects(aliceClient.exit(made[0]?.id ?? -1n), /not on L1 yet/);

      await net.startRelayer();
      await eventually("the checkpoint on L1", async () => (await onL1()) >= number, 60_000);
      await eventually(
        "the node sees the checkpoint on L1",
        async () => (await net.sidechain.checkpoint(number))?.l1.status !== "pending",
        30_000,
      );
      const submitted = await manager.queryFilter("CheckpointSubmitted", net.deployment.deploymentBlock);
      const numbers = submitted.map((log) => Number(manager.interface.parseLog(log)?.args[0]));
      assert.deepEqual(
        numbers,
        [...numbers.keys()].map((i) => i + 1),
        "each checkpoint submitted once, in order",
      );
      assert.equal(
        (await net.sidechain.checkpoint(number))?.l1.txHash,
        submitted[number - 1]?.transactionHash,
      );

      for (const [i, w] of made.entries()) {
        const client = i === 2 ? bobClient : aliceClient;
        const exit = await client.exit(w.id);
        assert.equal(exit.paid, true);
        await assertInvariant(`after exit ${w.id}`);
      }
      assert.equal(await net.l1Balance(ETH_TOKEN as Address, recipientA), parseEther("1"));
      assert.equal(await net.l1Balance(net.testToken, recipientA), parseEther("40"));
      assert.equal(await net.l1Balance(ETH_TOKEN as Address, recipientB), parseEther("0.5"));
      await assert.rejects(aliceClient.exit(made[0]?.id ?? -1n), AlreadyExitedError);
      assert.equal(
        await net.l1Balance(ETH_TOKEN as Address, recipientA),
        parseEther("1"),
        "no second payout",
      );
    } finally {
      aliceClient.close();
      bobClient.close();
      if (!net.relayer) await net.startRelayer();
    }
  });

  it("lets a fifth validator stake in; it joins at the next epoch and later checkpoints verify on L1 with the new set", async () => {
    const key = devValidatorKey(4);
    const address = privateKeyToAddress(key);
    const home = join(net.dir, "node4");
    await mkdir(home, { recursive: true });
    await copyFile(join(net.cluster.nodes[0]?.home ?? "", "genesis.json"), join(home, "genesis.json"));
    await writeValidatorKey(join(home, "validator.key"), key, null);
    const config: NodeConfigInput = {
      p2pListen: ["/ip4/127.0.0.1/tcp/0"],
      persistentPeers: net.cluster.bootstrapAddrs(),
      rpcHost: "127.0.0.1",
      rpcPort: 0,
      validatorKeyFile: "validator.key",
      l1RpcUrl: net.l1.url,
    };
    await writeFile(join(home, CONFIG_FILE), renderConfigFile(config));
    fifth = await spawnNode(home, { env: { OUTRIGGER_LOG_LEVEL: "info" } });

    // Fund the new validator with native tokens, then it stakes them itself.
    const funder = new Wallet(devAccountKey(ALICE), sidechain);
    await (await funder.sendTransaction({ to: address, value: parseEther("1001") })).wait();
    const staking = new Contract(STAKING_ADDRESS, STAKING_ABI, new Wallet(key, sidechain));
    const staked = await (await staking.getFunction("stake")(parseEther("1000"))).wait();
    assert.equal(staked?.status, 1);

    const stakedAt = staked?.blockNumber ?? 0;
    const joinsAt = Math.ceil(stakedAt / EPOCH) * EPOCH + 1;
    const validatorsAt = async (height: number) =>
      (await net.sidechain.validators(height))?.validators.map((v) => v.address) ?? [];
    await eventually(
      "the set of the next epoch",
      async () => (await net.sidechain.status()).height >= joinsAt,
      60_000,
    );
    assert.ok(!(await validatorsAt(joinsAt - 1)).includes(address), "not in the set before the boundary");
    const newSet = await net.sidechain.validators(joinsAt);
    assert.ok(
      newSet?.validators.some((v) => v.address === address),
      "in the set from the next epoch",
    );

    // The checkpoint of the epoch that ends before joinsAt hands L1 over to the new set; the next one is signed by it.
    const handover = (joinsAt - 1) / EPOCH;
    const signedByNewSet = handover + 1;
    const manager = new Contract(net.deployment.checkpointManager, CHECKPOINT_MANAGER_ABI, net.l1Provider);
    await eventually(
      `checkpoint ${signedByNewSet} accepted on L1`,
      async () => Number(await manager.getFunction("lastCheckpointNumber")()) >= signedByNewSet,
      120_000,
    );
    const checkpoint = await net.sidechain.checkpoint(signedByNewSet);
    assert.ok(checkpoint);
    assert.equal(checkpoint.checkpoint.startHeight, joinsAt);
    const setHash = hashValidatorSet(
      (newSet?.validators ?? []).map((v) => ({ address: v.address, power: v.power })),
    );
    assert.equal((await net.sidechain.checkpoint(handover))?.checkpoint.nextValidatorSetHash, setHash);
    // The new validator signs checkpoints too, once it is in the set.
    await eventually(
      "a checkpoint signed by the fifth validator",
      async () => {
        const latest = await net.sidechain.checkpoint("latest");
        return (
          latest !== null &&
          latest.checkpoint.number >= signedByNewSet &&
          latest.signatures.some((s) => s.validator === address)
        );
      },
      120_000,
    );
    await assertInvariant("after the validator set change");
  });
});
