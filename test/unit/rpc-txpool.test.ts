import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { getAddress, parseEther, type Wallet, WebSocketProvider } from "ethers";
import { WebSocket } from "ws";
import { type Hex, toAddress } from "../../node/crypto/index.ts";
import { ERC20, FakeRpcBackend, TOKEN_ADDRESS, testWallets } from "../helpers/rpcBackend.ts";
import { obj, type RpcMessage, rpc, single, startRpc } from "../helpers/rpcServer.ts";

/** geth's txpool namespace and newPendingTransactions subscriptions, over the fake's pool. */

const [alice, bob, carol] = testWallets(3) as [Wallet, Wallet, Wallet];
const MIN_GAS_PRICE = 1_000_000_000n;

function fundedChain(): FakeRpcBackend {
  return new FakeRpcBackend({
    minGasPrice: MIN_GAS_PRICE,
    alloc: { [toAddress(alice.address)]: parseEther("100"), [toAddress(bob.address)]: parseEther("100") },
    tokenAlloc: { [toAddress(alice.address)]: 1000n },
  });
}

async function signed(from: Wallet, backend: FakeRpcBackend, nonce: number, legacy = false): Promise<Buffer> {
  const common = { chainId: backend.chain.chainId, nonce, gasLimit: 21_000n, to: carol.address, value: 5n };
  const raw = legacy
    ? await from.signTransaction({ ...common, type: 0, gasPrice: 3n * MIN_GAS_PRICE })
    : await from.signTransaction({
        ...common,
        type: 2,
        maxFeePerGas: 2n * MIN_GAS_PRICE,
        maxPriorityFeePerGas: 7n,
      });
  return Buffer.from(raw.slice(2), "hex");
}

async function send(backend: FakeRpcBackend, raw: Buffer): Promise<Hex> {
  const sent = await backend.sendRawTransaction(raw);
  assert.ok(sent.ok, JSON.stringify(sent));
  return sent.hash;
}

async function result(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const reply = single(await rpc(url, method, params));
  assert.equal(reply.error, undefined, `${method}: ${JSON.stringify(reply.error)}`);
  return reply.result;
}

/** Pool: alice's nonces 0 and 1 (pending), bob's nonce 3 behind a gap (queued). */
async function poolWithGap(backend: FakeRpcBackend): Promise<{ a0: Hex; a1: Hex; b3: Hex }> {
  const a0 = await send(backend, await signed(alice, backend, 0));
  const a1 = await send(backend, await signed(alice, backend, 1, true));
  const b3 = backend.holdQueued(await signed(bob, backend, 3));
  return { a0, a1, b3 };
}

describe("txpool namespace", () => {
  it("txpool_status counts executable (pending) and gapped (queued) transactions as quantities", async (t) => {
    const backend = fundedChain();
    const { server } = await startRpc(t, backend);
    assert.deepEqual(await result(server.url, "txpool_status"), { pending: "0x0", queued: "0x0" });
    await poolWithGap(backend);
    assert.deepEqual(await result(server.url, "txpool_status"), { pending: "0x2", queued: "0x1" });
    backend.mine();
    assert.deepEqual(await result(server.url, "txpool_status"), { pending: "0x0", queued: "0x1" });
  });

  it("txpool_content lists transactions by checksummed sender, then decimal nonce, as geth", async (t) => {
    const backend = fundedChain();
    const { server } = await startRpc(t, backend);
    const { a0, a1, b3 } = await poolWithGap(backend);
    const content = obj(await result(server.url, "txpool_content"));
    const pending = obj(content.pending);
    const queued = obj(content.queued);
    assert.deepEqual(Object.keys(pending), [getAddress(alice.address)]);
    assert.deepEqual(Object.keys(queued), [getAddress(bob.address)]);
    const aliceTxs = obj(pending[getAddress(alice.address)]);
    assert.deepEqual(Object.keys(aliceTxs), ["0", "1"]);
    const first = obj(aliceTxs["0"]);
    assert.equal(first.hash, a0);
    assert.equal(first.from, alice.address.toLowerCase());
    assert.equal(first.nonce, "0x0");
    assert.equal(first.blockHash, null);
    assert.equal(first.type, "0x2");
    assert.equal(first.maxPriorityFeePerGas, "0x7");
    assert.equal(obj(aliceTxs["1"]).hash, a1);
    assert.equal(obj(aliceTxs["1"]).gasPrice, `0x${(3n * MIN_GAS_PRICE).toString(16)}`);
    assert.equal(obj(obj(queued[getAddress(bob.address)])["3"]).hash, b3);

    const fromBob = obj(await result(server.url, "txpool_contentFrom", [bob.address.toLowerCase()]));
    assert.deepEqual(fromBob.pending, {});
    assert.deepEqual(Object.keys(obj(fromBob.queued)), ["3"]);
  });

  it("txpool_inspect summarises each transaction in geth's words", async (t) => {
    const backend = fundedChain();
    const { server } = await startRpc(t, backend);
    await poolWithGap(backend);
    const inspect = obj(await result(server.url, "txpool_inspect"));
    const to = getAddress(carol.address);
    assert.deepEqual(inspect.pending, {
      [getAddress(alice.address)]: {
        "0": `${to}: 5 wei + 21000 gas × ${2n * MIN_GAS_PRICE} wei`,
        "1": `${to}: 5 wei + 21000 gas × ${3n * MIN_GAS_PRICE} wei`,
      },
    });
    assert.deepEqual(inspect.queued, {
      [getAddress(bob.address)]: { "3": `${to}: 5 wei + 21000 gas × ${2n * MIN_GAS_PRICE} wei` },
    });
  });

  it("eth_getStorageAt and eth_getBlockReceipts answer (not -32601)", async (t) => {
    const backend = fundedChain();
    const { server } = await startRpc(t, backend);
    const hash = await send(backend, await signed(alice, backend, 0));
    const block = backend.mine();
    assert.equal(
      await result(server.url, "eth_getStorageAt", [TOKEN_ADDRESS, "0x0", "latest"]),
      `0x${"7".padStart(64, "0")}`,
    );
    const receipts = (await result(server.url, "eth_getBlockReceipts", ["0x1"])) as unknown[];
    assert.equal(receipts.length, 1);
    assert.equal(obj(receipts[0]).transactionHash, hash);
    assert.equal(obj(receipts[0]).blockHash, block.hash);
    assert.equal(await result(server.url, "eth_getBlockReceipts", ["0x9"]), null);
  });
});

/** A raw WebSocket client that keeps every message. */
async function wsClient(t: TestContext, url: string) {
  const ws = new WebSocket(url);
  t.after(() => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const messages: Record<string, unknown>[] = [];
  let wake: (() => void) | null = null;
  ws.on("message", (data) => {
    messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    wake?.();
  });
  let nextId = 1;
  async function until<T>(pick: () => T | undefined): Promise<T> {
    for (;;) {
      const found = pick();
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
  return {
    async call(method: string, params: unknown[] = []): Promise<RpcMessage> {
      const id = nextId++;
      ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
      return until(() => messages.find((m) => m.id === id) as RpcMessage | undefined);
    },
    /** The results pushed to subscription `sub`, once there are `count` of them. */
    async pushed(sub: unknown, count: number): Promise<unknown[]> {
      const of = () =>
        messages
          .filter((m) => m.method === "eth_subscription" && obj(m.params).subscription === sub)
          .map((m) => obj(m.params).result);
      return until(() => (of().length >= count ? of() : undefined));
    },
  };
}

describe("eth_subscribe newPendingTransactions", () => {
  it("pushes hashes, or whole transactions when asked with true, and stops listening on unsubscribe", async (t) => {
    const backend = fundedChain();
    const { server } = await startRpc(t, backend);
    const client = await wsClient(t, server.wsUrl);
    const hashes = (await client.call("eth_subscribe", ["newPendingTransactions"])).result;
    const full = (await client.call("eth_subscribe", ["newPendingTransactions", true])).result;
    assert.equal(backend.pendingListenerCount(), 1);
    const a0 = await send(backend, await signed(alice, backend, 0));
    const a1 = await send(backend, await signed(alice, backend, 1, true));
    assert.deepEqual(await client.pushed(hashes, 2), [a0, a1]);
    const txs = (await client.pushed(full, 2)).map(obj);
    assert.deepEqual(
      txs.map((tx) => [tx.hash, tx.from, tx.nonce, tx.blockNumber]),
      [
        [a0, alice.address.toLowerCase(), "0x0", null],
        [a1, alice.address.toLowerCase(), "0x1", null],
      ],
    );
    assert.equal((await client.call("eth_unsubscribe", [hashes])).result, true);
    assert.equal(backend.pendingListenerCount(), 1);
    assert.equal((await client.call("eth_unsubscribe", [full])).result, true);
    assert.equal(backend.pendingListenerCount(), 0);
    const bad = await client.call("eth_subscribe", ["newPendingTransactions", { full: true }]);
    assert.equal(bad.error?.code, -32602);
  });

  it("stops listening to the pool when the subscriber's connection closes", async (t) => {
    const backend = fundedChain();
    const { server } = await startRpc(t, backend);
    const ws = new WebSocket(server.wsUrl);
    await new Promise((resolve) => ws.once("open", resolve));
    const subscribed = new Promise((resolve) => ws.once("message", resolve));
    ws.send(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newPendingTransactions"] }),
    );
    await subscribed;
    assert.equal(backend.pendingListenerCount(), 1);
    ws.close();
    for (let i = 0; i < 100 && backend.pendingListenerCount() > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(backend.pendingListenerCount(), 0);
  });

  it("is still refused over HTTP, which has no notifications", async (t) => {
    const { server } = await startRpc(t, fundedChain());
    const reply = single(await rpc(server.url, "eth_subscribe", ["newPendingTransactions"]));
    assert.equal(reply.error?.code, -32601);
  });

  it("ethers' WebSocketProvider.on('pending') receives each new transaction's hash", async (t) => {
    const backend = fundedChain();
    const { server } = await startRpc(t, backend);
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on("unhandledRejection", onRejection);
    t.after(() => process.off("unhandledRejection", onRejection));
    const provider = new WebSocketProvider(server.wsUrl);
    t.after(() => provider.destroy());
    const seen: string[] = [];
    let heard: () => void = () => {};
    const twoHeard = new Promise<void>((resolve) => {
      heard = resolve;
    });
    await provider.on("pending", (hash: string) => {
      seen.push(hash);
      if (seen.length === 2) heard();
    });
    // The subscription is in place once the pool has a listener.
    for (let i = 0; i < 200 && backend.pendingListenerCount() === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const a0 = await send(backend, await signed(alice, backend, 0));
    const transfer = await alice.signTransaction({
      type: 2,
      chainId: backend.chain.chainId,
      nonce: 1,
      to: TOKEN_ADDRESS,
      data: ERC20.encodeFunctionData("transfer", [bob.address, 1n]),
      gasLimit: 60_000n,
      maxFeePerGas: 2n * MIN_GAS_PRICE,
      maxPriorityFeePerGas: 0n,
    });
    const a1 = await send(backend, Buffer.from(transfer.slice(2), "hex"));
    await twoHeard;
    assert.deepEqual(seen, [a0, a1]);
    assert.deepEqual(rejections, []);
  });
});
