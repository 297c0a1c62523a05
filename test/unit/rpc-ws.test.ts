import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { parseEther, type Wallet } from "ethers";
import { WebSocket } from "ws";
import { toAddress } from "../../node/crypto/index.ts";
import { ERC20, FakeRpcBackend, TOKEN_ADDRESS, testWallets } from "../helpers/rpcBackend.ts";
import { obj, type RpcMessage, startRpc } from "../helpers/rpcServer.ts";

/** WebSocket transport: the same methods, subscriptions, and the limits that keep one client from hurting others. */

const [alice, bob] = testWallets(2) as [Wallet, Wallet];
const ALICE = toAddress(alice.address);

interface Notification {
  method: string;
  params: { subscription: string; result: unknown };
}

/** A raw client that records every message in arrival order and can await the next one. */
class Client {
  readonly messages: unknown[] = [];
  #waiters: (() => void)[] = [];
  #nextId = 1;
  closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.messages.push(JSON.parse(data.toString()));
      for (const w of this.#waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static async open(
    t: TestContext,
    url: string,
    opts: ConstructorParameters<typeof WebSocket>[2] = {},
  ): Promise<Client> {
    const ws = new WebSocket(url, opts);
    t.after(() => ws.terminate());
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new Client(ws);
  }

  async waitFor<T>(pick: (m: unknown) => m is T): Promise<T> {
    for (;;) {
      const found = this.messages.find(pick);
      if (found !== undefined) {
        this.messages.splice(this.messages.indexOf(found), 1);
        return found;
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Sends a request and returns its reply; notifications that arrived before it stay in `messages`. */
  async call(method: string, params: unknown[] = []): Promise<RpcMessage> {
    const id = this.#nextId++;
    this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    return this.waitFor((m): m is RpcMessage => obj(m).id === id);
  }

  notifications(): Notification[] {
    return this.messages.filter((m): m is Notification => obj(m).method === "eth_subscription");
  }
}

function backendWithTokens(): FakeRpcBackend {
  const backend = new FakeRpcBackend({
    alloc: { [ALICE]: parseEther("10") },
    tokenAlloc: { [ALICE]: 100n },
  });
  backend.mine();
  return backend;
}

async function sendTokenTransfer(backend: FakeRpcBackend, nonce: number, amount: bigint): Promise<void> {
  const raw = await alice.signTransaction({
    type: 2,
    chainId: backend.chain.chainId,
    nonce,
    to: TOKEN_ADDRESS,
    data: ERC20.encodeFunctionData("transfer", [bob.address, amount]),
    gasLimit: 60_000n,
    maxFeePerGas: 2n * backend.chain.minGasPrice,
    maxPriorityFeePerGas: 0n,
  });
  const sent = await backend.sendRawTransaction(Buffer.from(raw.slice(2), "hex"));
  assert.ok(sent.ok);
}

describe("rpc over WebSocket", () => {
  it("serves methods and batches, and survives bad frames", async (t) => {
    const backend = backendWithTokens();
    const { server, logger } = await startRpc(t, backend);
    const client = await Client.open(t, server.wsUrl);

    assert.equal((await client.call("eth_blockNumber")).result, "0x1");
    client.ws.send("{oops");
    const parseError = await client.waitFor((m): m is RpcMessage => obj(m).error !== undefined);
    assert.equal(parseError.error?.code, -32700);
    client.ws.send(Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: "bin", method: "eth_chainId" })), {
      binary: true,
    });
    assert.equal((await client.waitFor((m): m is RpcMessage => obj(m).id === "bin")).result, "0x1d17");
    client.ws.send(
      JSON.stringify([
        { jsonrpc: "2.0", id: "a", method: "eth_chainId" },
        { jsonrpc: "2.0", id: "b", method: "eth_nope" },
      ]),
    );
    const replies = await client.waitFor((m): m is RpcMessage[] => Array.isArray(m));
    assert.deepEqual(
      replies.map((r) => [r.id, r.error?.code ?? r.result]),
      [
        ["a", "0x1d17"],
        ["b", -32601],
      ],
    );
    assert.equal((await client.call("eth_getBalance", [ALICE, "latest"])).result, "0x8ac7230489e80000");
    assert.deepEqual(logger.errors(), []);
  });

  it("answers a burst of requests past its concurrency limit without dropping any", async (t) => {
    const backend = backendWithTokens();
    const { server } = await startRpc(t, backend);
    const client = await Client.open(t, server.wsUrl);
    const ids = Array.from({ length: 500 }, (_, i) => i + 1000);
    for (const id of ids)
      client.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method: "eth_getBalance", params: [ALICE] }));
    const replies = await Promise.all(
      ids.map((id) => client.waitFor((m): m is RpcMessage => obj(m).id === id)),
    );
    assert.ok(replies.every((r) => r.result === "0x8ac7230489e80000"));
    assert.equal((await client.call("eth_blockNumber")).result, "0x1");
  });

  it("pushes newHeads until unsubscribed", async (t) => {
    const backend = backendWithTokens();
    const { server } = await startRpc(t, backend);
    const client = await Client.open(t, server.wsUrl);

    const sub = await client.call("eth_subscribe", ["newHeads"]);
    const id = sub.result as string;
    assert.match(id, /^0x[0-9a-f]{32}$/);
    const record = backend.mine();
    const head = await client.waitFor((m): m is Notification => obj(m).method === "eth_subscription");
    assert.equal(head.params.subscription, id);
    const header = obj(head.params.result);
    assert.equal(header.number, "0x2");
    assert.equal(header.hash, record.hash);
    assert.equal(header.parentHash, backend.blocks[0]?.hash);
    assert.equal(header.baseFeePerGas, "0x3b9aca00");
    assert.equal(header.timestamp, `0x${Math.floor(record.block.header.time / 1000).toString(16)}`);

    assert.equal((await client.call("eth_unsubscribe", [id])).result, true);
    assert.equal((await client.call("eth_unsubscribe", [id])).result, false);
    backend.mine();
    // The socket is ordered: a reply sent after the block shows no notification came for it.
    await client.call("eth_blockNumber");
    assert.deepEqual(client.notifications(), []);
  });

  it("pushes only the logs a logs subscription asks for", async (t) => {
    const backend = backendWithTokens();
    const { server } = await startRpc(t, backend);
    const client = await Client.open(t, server.wsUrl);
    const transferTopic = ERC20.getEvent("Transfer")?.topicHash;

    const mine = (
      await client.call("eth_subscribe", ["logs", { address: TOKEN_ADDRESS, topics: [transferTopic] }])
    ).result;
    const other = (await client.call("eth_subscribe", ["logs", { address: bob.address }])).result;
    const toBob = (
      await client.call("eth_subscribe", [
        "logs",
        { topics: [null, null, `0x${bob.address.slice(2).toLowerCase().padStart(64, "0")}`] },
      ])
    ).result;
    assert.equal((await client.call("eth_subscribe", ["logs", { topics: "x" }])).error?.code, -32602);
    assert.equal((await client.call("eth_subscribe", ["pendingStuff"])).error?.code, -32602);

    await sendTokenTransfer(backend, 0, 5n);
    await sendTokenTransfer(backend, 1, 6n);
    backend.mine();
    await client.call("eth_blockNumber");
    const got = client.notifications();
    assert.deepEqual(
      got.map((n) => [n.params.subscription, obj(n.params.result).logIndex]),
      [
        [mine, "0x0"],
        [mine, "0x1"],
        [toBob, "0x0"],
        [toBob, "0x1"],
      ],
    );
    assert.ok(!got.some((n) => n.params.subscription === other));
    const log = obj(got[0]?.params.result);
    assert.equal(log.address, TOKEN_ADDRESS);
    assert.equal(log.blockNumber, "0x2");
    assert.equal(log.removed, false);
  });

  it("caps subscriptions per connection and connections per server", async (t) => {
    const backend = backendWithTokens();
    const { server } = await startRpc(t, backend, { maxSubscriptionsPerConnection: 2, maxWsConnections: 1 });
    const client = await Client.open(t, server.wsUrl);
    assert.ok((await client.call("eth_subscribe", ["newHeads"])).result);
    assert.ok((await client.call("eth_subscribe", ["newHeads"])).result);
    const third = await client.call("eth_subscribe", ["newHeads"]);
    assert.equal(third.error?.code, -32005);
    assert.match(third.error?.message ?? "", /too many subscriptions/);

    await assert.rejects(Client.open(t, server.wsUrl), /Unexpected server response: 503/);
    // The first client is unaffected.
    assert.equal((await client.call("eth_chainId")).result, "0x1d17");
  });

  it("closes connections that send oversized frames, do not read, or do not answer pings", async (t) => {
    const backend = backendWithTokens();
    const { server, logger } = await startRpc(t, backend, {
      maxBodyBytes: 2048,
      maxWsBufferedBytes: 512,
      wsPingIntervalMs: 50,
    });

    const big = await Client.open(t, server.wsUrl);
    big.ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: ["x".repeat(4096)] }));
    assert.equal((await big.closed).code, 1009);

    // A newHeads notification is larger than the 512 bytes this client may have pending: it is dropped.
    const slow = await Client.open(t, server.wsUrl);
    assert.ok((await slow.call("eth_subscribe", ["newHeads"])).result);
    backend.mine();
    assert.equal((await slow.closed).code, 1006);
    assert.ok(logger.entries.some((e) => e.level === "warn" && /does not read/.test(e.msg ?? "")));

    const deaf = await Client.open(t, server.wsUrl, { autoPong: false });
    assert.equal((await deaf.closed).code, 1006);

    const fine = await Client.open(t, server.wsUrl);
    assert.equal((await fine.call("eth_blockNumber")).result, "0x2");
  });

  it("closes every connection with 1001 when the server shuts down", async (t) => {
    const backend = backendWithTokens();
    const { server } = await startRpc(t, backend);
    const client = await Client.open(t, server.wsUrl);
    await client.call("eth_subscribe", ["newHeads"]);
    assert.equal(backend.listenerCount(), 1);
    await server.close();
    assert.equal((await client.closed).code, 1001);
    assert.equal(backend.listenerCount(), 0);
    await assert.rejects(fetch(server.url, { method: "POST", body: "{}" }));
  });
});
