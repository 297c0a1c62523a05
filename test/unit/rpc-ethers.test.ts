import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import {
  Contract,
  type ContractTransactionResponse,
  isError,
  JsonRpcProvider,
  type Log,
  parseEther,
  Transaction,
  type TransactionResponse,
  type Wallet,
  WebSocketProvider,
} from "ethers";
import { type Address, keccak256Hex, toAddress, ZERO_HASH } from "../../node/crypto/index.ts";
import { MIN_SUGGESTED_TIP } from "../../node/rpc/feeOracle.ts";
import { ERC20, FakeRpcBackend, GAS, TOKEN_ADDRESS, testWallets } from "../helpers/rpcBackend.ts";
import { startRpc } from "../helpers/rpcServer.ts";

/** The node's RPC as unmodified ethers v6 sees it: every call a dapp or wallet makes must round-trip. */

const MIN_GAS_PRICE = 1_000_000_000n;
const [alice, bob, carol] = testWallets(3) as [Wallet, Wallet, Wallet];
const addr = (w: Wallet): Address => toAddress(w.address);

interface Chain {
  backend: FakeRpcBackend;
  /** Raw txs of block 1: a legacy native transfer and a type-2 token transfer. */
  legacyRaw: string;
  tokenRaw: string;
}

/** Block 1: alice pays bob 1 ETH (legacy) and sends him 25 tokens (EIP-1559); block 2 is empty. */
async function chainWithHistory(): Promise<Chain> {
  const backend = new FakeRpcBackend({
    minGasPrice: MIN_GAS_PRICE,
    alloc: { [addr(alice)]: parseEther("100"), [addr(bob)]: parseEther("100") },
    tokenAlloc: { [addr(alice)]: 1000n * 10n ** 18n },
  });
  const chainId = backend.chain.chainId;
  const legacyRaw = await alice.signTransaction({
    type: 0,
    chainId,
    nonce: 0,
    to: bob.address,
    value: parseEther("1"),
    gasLimit: 21_000n,
    gasPrice: 2n * MIN_GAS_PRICE,
  });
  const tokenRaw = await alice.signTransaction({
    type: 2,
    chainId,
    nonce: 1,
    to: TOKEN_ADDRESS,
    data: ERC20.encodeFunctionData("transfer", [bob.address, 25n * 10n ** 18n]),
    gasLimit: 60_000n,
    maxFeePerGas: 3n * MIN_GAS_PRICE,
    maxPriorityFeePerGas: MIN_GAS_PRICE / 2n,
  });
  for (const raw of [legacyRaw, tokenRaw]) {
    const sent = await backend.sendRawTransaction(Buffer.from(raw.slice(2), "hex"));
    assert.ok(sent.ok, JSON.stringify(sent));
  }
  backend.mine();
  backend.mine();
  return { backend, legacyRaw, tokenRaw };
}

async function httpProvider(t: TestContext, backend: FakeRpcBackend, staticNetwork: boolean) {
  const { server, logger } = await startRpc(t, backend);
  const provider = new JsonRpcProvider(server.url, undefined, {
    staticNetwork,
    // Polling must see every new block at once: no cached block number, a short interval.
    cacheTimeout: -1,
    pollingInterval: 20,
  });
  t.after(() => provider.destroy());
  return { server, logger, provider };
}

describe("rpc with ethers JsonRpcProvider", () => {
  for (const staticNetwork of [false, true]) {
    describe(staticNetwork ? "staticNetwork: true" : "default network detection", () => {
      it("reads the network, head, blocks and prefetched transactions", async (t) => {
        const { backend, legacyRaw, tokenRaw } = await chainWithHistory();
        const { provider, logger } = await httpProvider(t, backend, staticNetwork);

        assert.equal((await provider.getNetwork()).chainId, 7447n);
        assert.equal(await provider.getBlockNumber(), 2);

        const record = backend.blocks[0];
        assert.ok(record);
        const block = await provider.getBlock(1);
        assert.ok(block);
        assert.equal(block.hash, record.hash);
        assert.equal(block.number, 1);
        assert.equal(block.parentHash, ZERO_HASH);
        assert.equal(block.timestamp, Math.floor(record.block.header.time / 1000));
        assert.equal(block.miner.toLowerCase(), record.block.header.proposer);
        assert.equal(block.baseFeePerGas, MIN_GAS_PRICE);
        assert.equal(block.gasUsed, GAS.transfer + GAS.tokenTransfer);
        assert.equal(block.stateRoot, record.block.header.appHash);
        assert.deepEqual(block.transactions, [
          keccak256Hex(Buffer.from(legacyRaw.slice(2), "hex")),
          keccak256Hex(Buffer.from(tokenRaw.slice(2), "hex")),
        ]);

        const latest = await provider.getBlock("latest");
        assert.equal(latest?.number, 2);
        assert.equal(latest?.parentHash, record.hash);
        assert.deepEqual(latest?.transactions, []);
        assert.equal((await provider.getBlock(record.hash))?.number, 1);
        assert.equal(await provider.getBlock(99), null);

        // Rebuilding each prefetched transaction from the served fields must give back the exact signed bytes.
        const full = await provider.getBlock(1, true);
        assert.ok(full);
        const txs = full.prefetchedTransactions;
        assert.equal(txs.length, 2);
        for (const [i, raw] of [legacyRaw, tokenRaw].entries()) {
          const served = txs[i] as TransactionResponse;
          assert.equal(Transaction.from(served).serialized, raw);
          assert.equal(served.from, alice.address);
          assert.equal(served.blockNumber, 1);
          assert.equal(served.index, i);
          assert.equal(served.chainId, 7447n);
        }
        assert.equal(txs[0]?.type, 0);
        assert.equal(txs[0]?.gasPrice, 2n * MIN_GAS_PRICE);
        assert.equal(txs[1]?.type, 2);
        assert.equal(txs[1]?.maxFeePerGas, 3n * MIN_GAS_PRICE);
        // A mined 1559 transaction reports the price it paid: base fee plus tip.
        assert.equal(txs[1]?.gasPrice, MIN_GAS_PRICE + MIN_GAS_PRICE / 2n);
        assert.deepEqual(logger.errors(), []);
      });

      it("serves transactions, receipts and logs", async (t) => {
        const { backend, legacyRaw, tokenRaw } = await chainWithHistory();
        const { provider } = await httpProvider(t, backend, staticNetwork);
        const legacyHash = Transaction.from(legacyRaw).hash as string;
        const tokenHash = Transaction.from(tokenRaw).hash as string;

        const tx = await provider.getTransaction(tokenHash);
        assert.ok(tx);
        assert.equal(tx.hash, tokenHash);
        assert.equal(tx.blockHash, backend.blocks[0]?.hash);
        assert.equal(tx.blockNumber, 1);
        assert.equal(tx.index, 1);
        assert.equal(tx.from, alice.address);
        assert.equal(tx.to?.toLowerCase(), TOKEN_ADDRESS);
        assert.equal(tx.nonce, 1);
        assert.equal(tx.gasLimit, 60_000n);
        assert.equal(await provider.getTransaction(`0x${"ab".repeat(32)}`), null);

        const legacy = await provider.getTransactionReceipt(legacyHash);
        assert.ok(legacy);
        assert.equal(legacy.status, 1);
        assert.equal(legacy.gasUsed, GAS.transfer);
        assert.equal(legacy.cumulativeGasUsed, GAS.transfer);
        assert.equal(legacy.gasPrice, 2n * MIN_GAS_PRICE);
        assert.equal(legacy.fee, GAS.transfer * 2n * MIN_GAS_PRICE);
        assert.equal(legacy.type, 0);
        assert.equal(legacy.logs.length, 0);
        assert.equal(legacy.contractAddress, null);

        const receipt = await provider.getTransactionReceipt(tokenHash);
        assert.ok(receipt);
        assert.equal(receipt.index, 1);
        assert.equal(receipt.type, 2);
        assert.equal(receipt.from, alice.address);
        assert.equal(receipt.cumulativeGasUsed, GAS.transfer + GAS.tokenTransfer);
        assert.equal(receipt.logs.length, 1);
        const log = receipt.logs[0] as Log;
        assert.equal(log.index, 0);
        assert.equal(log.transactionHash, tokenHash);
        assert.equal(log.blockNumber, 1);
        const event = ERC20.parseLog(log);
        assert.equal(event?.name, "Transfer");
        assert.equal(event?.args[0], alice.address);
        assert.equal(event?.args[1], bob.address);
        assert.equal(event?.args[2], 25n * 10n ** 18n);
        assert.equal(await receipt.confirmations(), 2);
        // The bloom has the token's address in it (and so is not all zeros).
        assert.notEqual(receipt.logsBloom, `0x${"00".repeat(256)}`);
        assert.equal(await provider.getTransactionReceipt(`0x${"ab".repeat(32)}`), null);

        const logs = await provider.getLogs({ address: TOKEN_ADDRESS, fromBlock: 0, toBlock: "latest" });
        assert.equal(logs.length, 1);
        assert.equal(logs[0]?.transactionHash, tokenHash);
        const none = await provider.getLogs({ address: bob.address, fromBlock: 0 });
        assert.deepEqual(none, []);
      });

      it("reads balances, nonces, code, calls, estimates and fee data", async (t) => {
        const { backend } = await chainWithHistory();
        const { provider } = await httpProvider(t, backend, staticNetwork);

        const aliceFees =
          GAS.transfer * 2n * MIN_GAS_PRICE + GAS.tokenTransfer * (MIN_GAS_PRICE + MIN_GAS_PRICE / 2n);
        assert.equal(await provider.getBalance(alice.address), parseEther("99") - aliceFees);
        assert.equal(await provider.getBalance(bob.address), parseEther("101"));
        assert.equal(await provider.getBalance(carol.address), 0n);
        assert.equal(await provider.getTransactionCount(alice.address), 2);
        assert.equal(await provider.getTransactionCount(alice.address, "pending"), 2);
        assert.equal(await provider.getTransactionCount(carol.address), 0);
        assert.equal(await provider.getCode(TOKEN_ADDRESS), "0xfe");
        assert.equal(await provider.getCode(bob.address), "0x");

        const token = new Contract(TOKEN_ADDRESS, ERC20, provider);
        assert.equal(await token.getFunction("balanceOf")(bob.address), 25n * 10n ** 18n);
        assert.equal(await token.getFunction("symbol")(), "TT");
        assert.equal(await token.getFunction("decimals")(), 18n);
        const estimate = await provider.estimateGas({
          from: alice.address,
          to: TOKEN_ADDRESS,
          data: ERC20.encodeFunctionData("transfer", [carol.address, 1n]),
        });
        assert.equal(estimate, GAS.tokenTransfer);
        assert.equal(
          await provider.estimateGas({ from: alice.address, to: bob.address, value: 1n }),
          GAS.transfer,
        );

        // A reverting call surfaces as ethers' CALL_EXCEPTION with the decoded reason.
        await assert.rejects(
          provider.call({
            from: carol.address,
            to: TOKEN_ADDRESS,
            data: ERC20.encodeFunctionData("transfer", [bob.address, 1n]),
          }),
          (err: unknown) =>
            isError(err, "CALL_EXCEPTION") && err.reason === "transfer amount exceeds balance",
        );
        // Sending more than one holds is refused at estimation, as geth's "insufficient funds" is.
        await assert.rejects(
          provider.estimateGas({ from: carol.address, to: bob.address, value: 1n }),
          (err: unknown) => isError(err, "INSUFFICIENT_FUNDS"),
        );

        // Block 1's tips (1 and 0.5 gwei) are below the floor of 1 gwei, so the floor is suggested.
        const fees = await provider.getFeeData();
        assert.equal(fees.gasPrice, MIN_GAS_PRICE + MIN_SUGGESTED_TIP);
        assert.equal(fees.maxPriorityFeePerGas, MIN_SUGGESTED_TIP);
        assert.equal(fees.maxFeePerGas, 2n * MIN_GAS_PRICE + MIN_SUGGESTED_TIP);
      });

      it("sends with Wallet.sendTransaction, waits with tx.wait(), and transfers tokens through a Contract", async (t) => {
        const { backend } = await chainWithHistory();
        backend.autoMine = true;
        const { provider } = await httpProvider(t, backend, staticNetwork);
        const signer = bob.connect(provider);

        const sent = await signer.sendTransaction({ to: carol.address, value: parseEther("2") });
        assert.equal(sent.type, 2);
        assert.equal(sent.nonce, 0);
        assert.equal(sent.maxFeePerGas, 2n * MIN_GAS_PRICE + MIN_SUGGESTED_TIP);
        assert.equal(sent.maxPriorityFeePerGas, MIN_SUGGESTED_TIP);
        const receipt = await sent.wait();
        assert.ok(receipt);
        assert.equal(receipt.status, 1);
        assert.equal(receipt.blockNumber, 3);
        assert.equal(receipt.gasPrice, MIN_GAS_PRICE + MIN_SUGGESTED_TIP);
        assert.equal(await provider.getBalance(carol.address), parseEther("2"));
        assert.equal(await provider.getTransactionCount(bob.address), 1);

        const token = new Contract(TOKEN_ADDRESS, ERC20, signer);
        const transfer = (await token.getFunction("transfer")(
          carol.address,
          5n * 10n ** 18n,
        )) as ContractTransactionResponse;
        const tokenReceipt = await transfer.wait();
        assert.equal(tokenReceipt?.status, 1);
        assert.equal(tokenReceipt?.gasUsed, GAS.tokenTransfer);
        assert.equal(await token.getFunction("balanceOf")(carol.address), 5n * 10n ** 18n);
        assert.equal(await token.getFunction("balanceOf")(bob.address), 20n * 10n ** 18n);

        const events = await token.queryFilter(
          token.filters.Transfer?.(bob.address) ?? "Transfer",
          0,
          "latest",
        );
        assert.equal(events.length, 1);
        assert.equal(events[0]?.transactionHash, transfer.hash);
        assert.equal(events[0]?.blockNumber, 4);
        const all = await token.queryFilter("Transfer", 0);
        assert.equal(all.length, 2);
      });

      it("maps mempool refusals to ethers' error codes", async (t) => {
        const { backend, legacyRaw } = await chainWithHistory();
        const { provider } = await httpProvider(t, backend, staticNetwork);
        const chainId = backend.chain.chainId;
        const base = {
          type: 2,
          chainId,
          to: bob.address,
          gasLimit: 21_000n,
          maxFeePerGas: 2n * MIN_GAS_PRICE,
          maxPriorityFeePerGas: 0n,
        };

        await assert.rejects(provider.broadcastTransaction(legacyRaw), (err: unknown) =>
          isError(err, "NONCE_EXPIRED"),
        );
        const tooRich = await carol.signTransaction({ ...base, nonce: 0, value: 1n });
        await assert.rejects(provider.broadcastTransaction(tooRich), (err: unknown) =>
          isError(err, "INSUFFICIENT_FUNDS"),
        );

        const first = await bob.signTransaction({ ...base, nonce: 0, value: 1n });
        const response = await provider.broadcastTransaction(first);
        assert.equal(response.hash, Transaction.from(first).hash);
        const pending = await provider.getTransaction(response.hash);
        assert.equal(pending?.blockNumber, null);
        assert.equal(pending?.from, bob.address);
        assert.equal(await provider.getTransactionCount(bob.address, "pending"), 1);
        assert.equal(await provider.getTransactionCount(bob.address, "latest"), 0);
        assert.equal(await provider.getTransactionReceipt(response.hash), null);

        const replacement = await bob.signTransaction({ ...base, nonce: 0, value: 2n });
        await assert.rejects(provider.broadcastTransaction(replacement), (err: unknown) =>
          isError(err, "REPLACEMENT_UNDERPRICED"),
        );
        // "already known" has no ethers code, but the message says it.
        await assert.rejects(
          provider.broadcastTransaction(first),
          (err: unknown) =>
            isError(err, "UNKNOWN_ERROR") && JSON.stringify(err.error).includes("already known"),
        );
      });
    });
  }
});

describe("rpc with ethers WebSocketProvider", () => {
  it("receives newHeads as block events and logs as contract events", async (t) => {
    const { backend } = await chainWithHistory();
    const { server } = await startRpc(t, backend);
    const provider = new WebSocketProvider(server.wsUrl);
    t.after(() => provider.destroy());

    assert.equal(await provider.getBlockNumber(), 2);
    const blocks: number[] = [];
    let sawFourth: () => void = () => {};
    const fourth = new Promise<void>((resolve) => {
      sawFourth = resolve;
    });
    await provider.on("block", (n: number) => {
      blocks.push(n);
      if (n === 4) sawFourth();
    });
    const token = new Contract(TOKEN_ADDRESS, ERC20, provider);
    let sawTransfer: (args: unknown[]) => void = () => {};
    const transfer = new Promise<unknown[]>((resolve) => {
      sawTransfer = resolve;
    });
    await token.on("Transfer", (...args: unknown[]) => sawTransfer(args));
    // ethers sends eth_subscribe without waiting for the answer; a later request's answer proves both arrived.
    assert.equal(await provider.send("net_version", []), "7447");

    backend.mine();
    const raw = await bob.signTransaction({
      type: 2,
      chainId: backend.chain.chainId,
      nonce: 0,
      to: TOKEN_ADDRESS,
      data: ERC20.encodeFunctionData("transfer", [carol.address, 7n]),
      gasLimit: 60_000n,
      maxFeePerGas: 2n * MIN_GAS_PRICE,
      maxPriorityFeePerGas: 0n,
    });
    // bob got tokens in block 1; send his transfer over the socket.
    await provider.broadcastTransaction(raw);
    backend.mine();
    await fourth;
    assert.deepEqual(blocks, [3, 4]);
    const args = await transfer;
    assert.equal(args[0], bob.address);
    assert.equal(args[1], carol.address);
    assert.equal(args[2], 7n);
  });
});
