import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  Contract,
  ContractFactory,
  type ContractTransactionReceipt,
  JsonRpcProvider,
  type Log,
  parseEther,
  Wallet,
  ZeroAddress,
} from "ethers";
import { loadArtifact } from "../../contracts/artifacts.ts";
import { devAccountKey } from "../../genesis/devKeys.ts";
import { BRIDGE_ADDRESS } from "../../node/app/index.ts";
import type { Address } from "../../node/crypto/index.ts";
import { ETH_TOKEN, SIDECHAIN_BRIDGE_ABI, SIDECHAIN_TOKEN_ABI } from "../../node/types/index.ts";
import { BridgeNet } from "../helpers/bridgeNet.ts";
import { eventually } from "../helpers/cluster.ts";

/**
 * Contracts on the sidechain as a user meets them on a running network (an anvil L1, 4 validators, a relayer):
 * ethers' ContractFactory deploys an OpenZeppelin ERC20, a contract takes a bridged token with transferFrom and
 * withdraws it to L1 through the bridge precompile, and hardhat deploys with `hardhat run --network`.
 */

const ROOT = resolve(import.meta.dirname, "../..");
const ALICE = 1;
const BOB = 2;

describe("contracts on the sidechain (L1 + 4 validators + relayer)", { timeout: 600_000 }, () => {
  let net: BridgeNet;
  let provider: JsonRpcProvider;
  let alice: Wallet;

  before(async () => {
    net = await BridgeNet.create({ validators: 4, epochLength: 10 });
    await net.cluster.startAll();
    await net.startRelayer();
    provider = new JsonRpcProvider(net.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 200 });
    alice = new Wallet(devAccountKey(ALICE), provider);
  });
  after(async () => {
    provider?.destroy();
    await net?.destroy();
  });

  const providers = () =>
    net.cluster.nodes.map((n) => new JsonRpcProvider(n.rpcUrl, undefined, { staticNetwork: true }));

  it("ethers' ContractFactory deploys an OpenZeppelin ERC20 that every node runs alike", async () => {
    const artifact = await loadArtifact("TestToken", { source: "test/TestToken" });
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, alice);
    const token = await factory.deploy("Sidechain Token", "SCT", 18);
    const deployment = await token.deploymentTransaction()?.wait();
    await token.waitForDeployment();
    const address = (await token.getAddress()).toLowerCase();
    assert.equal(deployment?.status, 1);
    assert.equal(deployment?.contractAddress?.toLowerCase(), address);

    const erc20 = token.connect(alice) as Contract;
    await (await erc20.getFunction("mint")(alice.address, 1_000n)).wait();
    const bob = new Wallet(devAccountKey(BOB)).address;
    const sent = await (await erc20.getFunction("transfer")(bob, 250n)).wait();
    assert.equal(sent?.status, 1);
    assert.equal(await erc20.getFunction("balanceOf")(bob), 250n);
    const transfers = await erc20.queryFilter("Transfer", deployment?.blockNumber);
    assert.deepEqual(
      transfers.map((e) => ("args" in e ? [e.args[1], e.args[2]] : [])),
      [
        [alice.address, 1_000n],
        [bob, 250n],
      ],
    );
    // A revert's custom error reaches ethers decoded, from eth_call and from eth_estimateGas.
    await assert.rejects(erc20.getFunction("transfer").staticCall(bob, 10_000n), (err: unknown) => {
      assert.equal((err as { revert?: { name: string } }).revert?.name, "ERC20InsufficientBalance");
      return true;
    });
    await assert.rejects(erc20.getFunction("transfer").estimateGas(bob, 10_000n), (err: unknown) => {
      const data = (err as { data?: string }).data ?? "0x";
      assert.equal(erc20.interface.parseError(data)?.name, "ERC20InsufficientBalance");
      return true;
    });

    const code = await provider.getCode(address);
    assert.ok(code.length > 100);
    await eventually(
      "every node has the contract's code and state",
      async () => {
        const answers = await Promise.all(
          providers().map(async (p) => {
            try {
              return [await p.getCode(address), await p.getStorage(address, 2n)].join("/");
            } finally {
              p.destroy();
            }
          }),
        );
        return answers.every((a) => a === answers[0]) && answers[0]?.startsWith(code);
      },
      30_000,
    );
  });

  it("a contract takes a bridged token with transferFrom and withdraws it through the bridge; the exit is paid on L1", async () => {
    const client = net.client(ALICE);
    try {
      const deposit = await client.deposit({ token: { kind: "eth" }, amount: parseEther("1") });
      await eventually(
        "the deposit minted",
        async () => (await net.sidechain.deposit(deposit.nonce))?.status === "minted",
        60_000,
      );
      const weth = (await net.sidechain.bridgeInfo()).tokens.find((t) => t.l1Token === ETH_TOKEN)?.l2Token;
      assert.ok(weth);
      // The system token answers as a contract does.
      assert.notEqual(await provider.getCode(weth), "0x");
      const wethToken = new Contract(weth, SIDECHAIN_TOKEN_ABI, alice);

      const probeArtifact = await loadArtifact("EvmProbe", { source: "test/EvmProbe" });
      const probe = (await new ContractFactory(
        probeArtifact.abi,
        probeArtifact.bytecode,
        alice,
      ).deploy()) as Contract;
      await probe.waitForDeployment();
      const probeAddress = await probe.getAddress();

      const amount = parseEther("0.4");
      await (await wethToken.getFunction("approve")(probeAddress, amount)).wait();
      assert.equal(await wethToken.getFunction("allowance")(alice.address, probeAddress), amount);
      await (await probe.getFunction("pull")(weth, alice.address, amount)).wait();
      assert.equal(await wethToken.getFunction("balanceOf")(probeAddress), amount);

      const recipient = Wallet.createRandom().address.toLowerCase() as Address;
      const exitTx: ContractTransactionReceipt | null = await (
        await probe.getFunction("exit")(BRIDGE_ADDRESS, weth, amount, recipient)
      ).wait();
      assert.equal(exitTx?.status, 1);
      const bridge = new Contract(BRIDGE_ADDRESS, SIDECHAIN_BRIDGE_ABI, provider);
      const initiated = exitTx?.logs
        .map((log: Log) => bridge.interface.parseLog(log))
        .find((parsed) => parsed?.name === "WithdrawalInitiated");
      assert.ok(initiated, "the bridge's event is in the receipt");
      assert.equal(initiated.args.from.toLowerCase(), probeAddress.toLowerCase(), "the contract withdrew");
      const id = initiated.args.id as bigint;
      const burned = exitTx?.logs
        .map((log: Log) => wethToken.interface.parseLog(log))
        .find((p) => p?.name === "Transfer");
      assert.deepEqual([burned?.args[1], burned?.args[2]], [`0x${"00".repeat(20)}`, amount]);

      await eventually(
        "the withdrawal's checkpoint on L1",
        async () => {
          const proof = await net.sidechain.withdrawalProof(id).catch(() => undefined);
          if (proof === undefined) return false;
          return (await net.sidechain.checkpoint(proof.checkpointNumber))?.l1.status !== "pending";
        },
        120_000,
      );
      const exit = await client.exit(id);
      assert.equal(exit.paid, true);
      assert.equal(await net.l1Balance(ETH_TOKEN as Address, recipient), amount);
    } finally {
      client.close();
    }
  });

  it("a fresh account that only received an ETH deposit sends a transaction and withdraws; the mint is a transaction", async () => {
    const fresh = Wallet.createRandom().connect(provider);
    const client = net.client(BOB);
    try {
      const deposit = await client.deposit({
        token: { kind: "eth" },
        amount: parseEther("0.2"),
        to: fresh.address.toLowerCase() as Address,
      });
      await eventually(
        "the deposit minted",
        async () => (await net.sidechain.deposit(deposit.nonce))?.status === "minted",
        60_000,
      );
    } finally {
      client.close();
    }
    const weth = (await net.sidechain.bridgeInfo()).tokens.find((t) => t.l1Token === ETH_TOKEN)?.l2Token;
    assert.ok(weth);
    const wethToken = new Contract(weth, SIDECHAIN_TOKEN_ABI, fresh);

    // The mint is a deposit transaction (type 0x7e) with the token's Transfer(0x0, recipient, amount) log.
    const mints = await wethToken.queryFilter(wethToken.getEvent("Transfer")(ZeroAddress, fresh.address), 0);
    assert.equal(mints.length, 1);
    const mint = mints[0];
    assert.ok(mint);
    const tx = await provider.getTransaction(mint.transactionHash);
    assert.equal(tx?.type, 0x7e);
    assert.equal(tx?.from.toLowerCase(), BRIDGE_ADDRESS);
    assert.equal((await provider.getTransactionReceipt(mint.transactionHash))?.status, 1);
    const block = await provider.getBlock(mint.blockNumber, true);
    assert.ok(block?.prefetchedTransactions.some((t) => t.hash === mint.transactionHash));
    const seen = await Promise.all(
      providers().map(async (p) => {
        try {
          return (await p.getTransaction(mint.transactionHash))?.hash;
        } finally {
          p.destroy();
        }
      }),
    );
    assert.deepEqual(
      seen,
      seen.map(() => mint.transactionHash),
      "every node serves the same hash",
    );

    // The gas grant pays for what the account does next.
    assert.ok((await provider.getBalance(fresh.address)) > 0n, "the deposit brought a gas grant");
    const sent = await (await fresh.sendTransaction({ to: alice.address, value: 1n })).wait();
    assert.equal(sent?.status, 1);
    const bridge = new Contract(BRIDGE_ADDRESS, SIDECHAIN_BRIDGE_ABI, fresh);
    const withdrawn = await (
      await bridge.getFunction("withdraw")(weth, parseEther("0.1"), fresh.address)
    ).wait();
    assert.equal(withdrawn?.status, 1);
    assert.equal(await wethToken.getFunction("balanceOf")(fresh.address), parseEther("0.1"));
  });

  it("hardhat run --network outrigger deploys and calls a contract", async () => {
    const hardhat = createRequire(import.meta.url).resolve("hardhat/internal/cli/cli.js");
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [hardhat, "run", "--network", "outrigger", "contracts/scripts/deployToken.cjs"],
        {
          cwd: ROOT,
          env: { ...process.env, OUTRIGGER_RPC_URL: net.rpcUrl, OUTRIGGER_PRIVATE_KEY: devAccountKey(BOB) },
          timeout: 180_000,
          killSignal: "SIGKILL",
        },
        (err, stdout, stderr) => done({ code: err === null ? 0 : Number(err.code ?? -1), stdout, stderr }),
      );
    });
    assert.equal(run.code, 0, run.stderr);
    const printed = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as {
      token: string;
      recipientBalance: string;
    };
    assert.equal(printed.recipientBalance, "250");
    const token = new Contract(printed.token, SIDECHAIN_TOKEN_ABI, provider);
    assert.equal(await token.getFunction("balanceOf")("0x000000000000000000000000000000000000dEaD"), 250n);
  });
});
