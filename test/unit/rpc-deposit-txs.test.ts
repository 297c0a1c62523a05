import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import {
  Contract,
  type EventLog,
  getAddress,
  JsonRpcProvider,
  parseEther,
  type Wallet,
  WebSocketProvider,
} from "ethers";
import { type Address, type Hex, toAddress } from "../../node/crypto/index.ts";
import { type DepositClaim, depositTxHash } from "../../node/types/index.ts";
import {
  BRIDGE_SYSTEM_ADDRESS,
  ERC20,
  FakeRpcBackend,
  TOKEN_ADDRESS,
  testWallets,
} from "../helpers/rpcBackend.ts";
import { rpc, startRpc } from "../helpers/rpcServer.ts";

/** Deposit transactions (type 0x7e) as ethers v6 and raw JSON-RPC clients read them. */

const MIN_GAS_PRICE = 1_000_000_000n;
const [alice, bob] = testWallets(2) as [Wallet, Wallet];
const addr = (w: Wallet): Address => toAddress(w.address);
const ZERO = getAddress(`0x${"00".repeat(20)}`);

const claim = (nonce: bigint, to: Address, amount: bigint): DepositClaim => ({
  nonce,
  l1Token: `0x${"0a".repeat(20)}`,
  from: `0x${"0d".repeat(20)}`,
  to,
  amount,
  name: "Test Token",
  symbol: "TT",
  decimals: 18,
  l1TxHash: `0x${nonce.toString(16).padStart(64, "e")}` as Hex,
});

interface DepositChain {
  backend: FakeRpcBackend;
  deposits: DepositClaim[];
  /** alice's token transfer, block 2's transaction after its two deposits. */
  userTx: Hex;
}

/** Block 1 is empty; block 2 holds two deposits (to bob) and then alice's token transfer. */
async function chainWithDeposits(): Promise<DepositChain> {
  const backend = new FakeRpcBackend({
    minGasPrice: MIN_GAS_PRICE,
    alloc: { [addr(alice)]: parseEther("100") },
    tokenAlloc: { [addr(alice)]: 1000n },
  });
  backend.mine();
  const raw = await alice.signTransaction({
    type: 2,
    chainId: backend.chain.chainId,
    nonce: 0,
    to: TOKEN_ADDRESS,
    data: ERC20.encodeFunctionData("transfer", [bob.address, 5n]),
    gasLimit: 60_000n,
    maxFeePerGas: 2n * MIN_GAS_PRICE,
    maxPriorityFeePerGas: 0n,
  });
  const sent = await backend.sendRawTransaction(Buffer.from(raw.slice(2), "hex"));
  assert.ok(sent.ok);
  const deposits = [claim(7n, addr(bob), 100n), claim(8n, addr(bob), 200n)];
  backend.mine(deposits);
  return { backend, deposits, userTx: sent.hash };
}

async function provider(t: TestContext, backend: FakeRpcBackend) {
  const { server, logger } = await startRpc(t, backend);
  const p = new JsonRpcProvider(server.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  t.after(() => p.destroy());
  return { provider: p, server, logger };
}

describe("rpc: deposit transactions (0x7e)", () => {
  it("serves a deposit as OP Stack nodes serve type 0x7e", async (t) => {
    const { backend, deposits } = await chainWithDeposits();
    const { server, logger } = await startRpc(t, backend);
    const hash = depositTxHash(deposits[1] as DepositClaim);
    const reply = await rpc(server.url, "eth_getTransactionByHash", [hash]);
    const block = backend.blocks[1];
    assert.deepEqual((reply.json as { result: unknown }).result, {
      blockHash: block?.hash,
      blockNumber: "0x2",
      transactionIndex: "0x1",
      hash,
      type: "0x7e",
      nonce: "0x8",
      from: BRIDGE_SYSTEM_ADDRESS,
      to: TOKEN_ADDRESS,
      value: "0x0",
      gas: "0x0",
      gasPrice: "0x0",
      input: "0x",
      mint: "0x0",
      l1TxHash: deposits[1]?.l1TxHash,
      v: "0x0",
      r: "0x0",
      s: "0x0",
    });
    const count = await rpc(server.url, "eth_getBlockTransactionCountByNumber", ["0x2"]);
    assert.equal((count.json as { result: unknown }).result, "0x3");
    const byIndex = await rpc(server.url, "eth_getTransactionByBlockNumberAndIndex", ["0x2", "0x0"]);
    assert.equal(
      (byIndex.json as { result: { hash: string } }).result.hash,
      depositTxHash(deposits[0] as DepositClaim),
    );
    const receipts = await rpc(server.url, "eth_getBlockReceipts", ["0x2"]);
    assert.deepEqual(
      (receipts.json as { result: { type: string; transactionIndex: string; gasUsed: string }[] }).result.map(
        (r) => [r.type, r.transactionIndex, r.gasUsed],
      ),
      [
        ["0x7e", "0x0", "0x0"],
        ["0x7e", "0x1", "0x0"],
        ["0x2", "0x2", "0xcb20"],
      ],
    );
    assert.deepEqual(logger.errors(), []);
  });

  it("ethers reads deposits: getTransaction, getBlock with transactions, receipts, queryFilter", async (t) => {
    const { backend, deposits, userTx } = await chainWithDeposits();
    const { provider: p, logger } = await provider(t, backend);
    const [first, second] = deposits.map(depositTxHash) as [Hex, Hex];

    const tx = await p.getTransaction(second);
    assert.ok(tx);
    assert.deepEqual(
      [tx.hash, tx.type, tx.from, tx.to, tx.value, tx.gasLimit, tx.gasPrice, tx.nonce, tx.data],
      [second, 0x7e, getAddress(BRIDGE_SYSTEM_ADDRESS), getAddress(TOKEN_ADDRESS), 0n, 0n, 0n, 8, "0x"],
    );
    assert.deepEqual([tx.blockNumber, tx.index], [2, 1]);

    const block = await p.getBlock(2, true);
    assert.ok(block);
    assert.deepEqual(block.transactions, [first, second, userTx]);
    assert.deepEqual(
      block.prefetchedTransactions.map((t) => [t.hash, t.type, t.index]),
      [
        [first, 0x7e, 0],
        [second, 0x7e, 1],
        [userTx, 2, 2],
      ],
    );
    const hashesOnly = await p.getBlock(2, false);
    assert.deepEqual(hashesOnly?.transactions, [first, second, userTx]);

    const receipt = await p.getTransactionReceipt(first);
    assert.ok(receipt);
    assert.deepEqual(
      [receipt.hash, receipt.type, receipt.status, receipt.index, receipt.gasUsed, receipt.from, receipt.to],
      [first, 0x7e, 1, 0, 0n, getAddress(BRIDGE_SYSTEM_ADDRESS), getAddress(TOKEN_ADDRESS)],
    );
    assert.equal(receipt.logs.length, 1);
    assert.equal(receipt.logs[0]?.index, 0);
    const user = await p.getTransactionReceipt(userTx);
    assert.deepEqual([user?.index, user?.logs[0]?.index], [2, 2], "logIndex counts the deposits' logs");

    const token = new Contract(TOKEN_ADDRESS, ERC20, p);
    const transfers = (await token.queryFilter("Transfer", 2, 2)) as EventLog[];
    assert.deepEqual(
      transfers.map((e) => [e.transactionHash, e.transactionIndex, e.args[0], e.args[1], e.args[2]]),
      [
        [first, 0, ZERO, bob.address, 100n],
        [second, 1, ZERO, bob.address, 200n],
        [userTx, 2, alice.address, bob.address, 5n],
      ],
    );
    const minted = (await token.queryFilter(
      token.filters.Transfer?.(ZERO, bob.address) ?? "Transfer",
    )) as EventLog[];
    assert.deepEqual(
      minted.map((e) => e.args[2]),
      [100n, 200n],
    );
    assert.deepEqual(logger.errors(), []);
  });

  it("a logs subscription sees a deposit's mint", async (t) => {
    const { backend } = await chainWithDeposits();
    const { server } = await startRpc(t, backend);
    const ws = new WebSocketProvider(server.wsUrl);
    t.after(() => ws.destroy());
    const token = new Contract(TOKEN_ADDRESS, ERC20, ws);
    let seen: (args: unknown[]) => void = () => {};
    const transfer = new Promise<unknown[]>((resolve) => {
      seen = resolve;
    });
    await token.on("Transfer", (...args: unknown[]) => seen(args));
    // ethers sends eth_subscribe without waiting for the answer; a later request's answer proves it arrived.
    assert.equal(await ws.send("net_version", []), "7447");
    backend.mine([claim(9n, addr(alice), 42n)]);
    const [from, to, amount, event] = (await transfer) as [string, string, bigint, { log: EventLog }];
    assert.deepEqual([from, to, amount], [ZERO, alice.address, 42n]);
    assert.equal(event.log.transactionHash, depositTxHash(claim(9n, addr(alice), 42n)));
  });
});
