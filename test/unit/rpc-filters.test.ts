import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEther, type Wallet } from "ethers";
import { type Hex, toAddress } from "../../node/crypto/index.ts";
import { FilterRegistry, type FilterRegistryOptions } from "../../node/rpc/filters.ts";
import { ERC20, FakeRpcBackend, TOKEN_ADDRESS, testWallets } from "../helpers/rpcBackend.ts";
import { obj, type RpcMessage, rpc, single, startRpc } from "../helpers/rpcServer.ts";

/** The polling filters as geth serves them: each change once, bounded in number, gone after 5 minutes idle. */

const [alice, bob, carol] = testWallets(3) as [Wallet, Wallet, Wallet];
const ALICE = toAddress(alice.address);
const TRANSFER_TOPIC = ERC20.getEvent("Transfer")?.topicHash as Hex;
const pad = (a: string): Hex => `0x${a.slice(2).toLowerCase().padStart(64, "0")}`;

function tokenChain(): FakeRpcBackend {
  const backend = new FakeRpcBackend({
    alloc: { [ALICE]: parseEther("100") },
    tokenAlloc: { [ALICE]: 1000n },
  });
  backend.mine();
  return backend;
}

const nextNonce = new WeakMap<FakeRpcBackend, number>();

/** alice sends `amount` tokens to `to`; the backend holds it until mine(). */
async function transfer(backend: FakeRpcBackend, to: Wallet, amount: bigint): Promise<Hex> {
  const nonce = nextNonce.get(backend) ?? 0;
  nextNonce.set(backend, nonce + 1);
  const raw = await alice.signTransaction({
    type: 2,
    chainId: backend.chain.chainId,
    nonce,
    to: TOKEN_ADDRESS,
    data: ERC20.encodeFunctionData("transfer", [to.address, amount]),
    gasLimit: 60_000n,
    maxFeePerGas: 2n * backend.chain.minGasPrice,
    maxPriorityFeePerGas: 0n,
  });
  const sent = await backend.sendRawTransaction(Buffer.from(raw.slice(2), "hex"));
  assert.ok(sent.ok, JSON.stringify(sent));
  return sent.hash;
}

async function call(url: string, method: string, params: unknown[] = []): Promise<RpcMessage> {
  return single(await rpc(url, method, params));
}

async function result(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const reply = await call(url, method, params);
  assert.equal(reply.error, undefined, `${method}: ${JSON.stringify(reply.error)}`);
  return reply.result;
}

async function changes(url: string, id: unknown): Promise<unknown[]> {
  const got = await result(url, "eth_getFilterChanges", [id]);
  assert.ok(Array.isArray(got), JSON.stringify(got));
  return got;
}

const amounts = (logs: unknown[]): bigint[] => logs.map((l) => BigInt(obj(l).data as string));

describe("eth_newBlockFilter", () => {
  it("returns each new block's hash once, in order, and nothing for blocks before it", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend);
    const id = await result(server.url, "eth_newBlockFilter");
    assert.match(String(id), /^0x[0-9a-f]{32}$/);
    assert.deepEqual(await changes(server.url, id), []);
    const b2 = backend.mine();
    const b3 = backend.mine();
    assert.deepEqual(await changes(server.url, id), [b2.hash, b3.hash]);
    assert.deepEqual(await changes(server.url, id), []);
    const b4 = backend.mine();
    assert.deepEqual(await changes(server.url, id), [b4.hash]);
  });

  it("answers polls that race each other without delivering a block twice", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend);
    const id = await result(server.url, "eth_newBlockFilter");
    const mined = [backend.mine(), backend.mine(), backend.mine()].map((r) => r.hash);
    // A slow store: every poll is still reading blocks when the next one arrives.
    const read = backend.getBlockByHeight.bind(backend);
    backend.getBlockByHeight = async (height) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return read(height);
    };
    const polls = await Promise.all([1, 2, 3, 4].map(() => changes(server.url, id)));
    assert.deepEqual(polls.flat().sort(), [...mined].sort());
  });
});

describe("eth_newFilter", () => {
  it("delivers each matching log once, across polls, and only those of its address and topics", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend);
    // Logs before the filter existed are not changes.
    await transfer(backend, bob, 1n);
    backend.mine();
    const all = await result(server.url, "eth_newFilter", [{ address: TOKEN_ADDRESS }]);
    const toCarol = await result(server.url, "eth_newFilter", [
      { address: TOKEN_ADDRESS, topics: [TRANSFER_TOPIC, null, pad(carol.address)] },
    ]);
    const elsewhere = await result(server.url, "eth_newFilter", [{ address: bob.address }]);

    await transfer(backend, bob, 2n);
    await transfer(backend, carol, 3n);
    backend.mine();
    const first = await changes(server.url, all);
    assert.deepEqual(amounts(first), [2n, 3n]);
    assert.equal(obj(first[0]).blockNumber, "0x3");
    assert.equal(obj(first[1]).logIndex, "0x1");
    assert.equal(obj(first[0]).removed, false);
    assert.deepEqual(await changes(server.url, all), []);

    await transfer(backend, carol, 4n);
    backend.mine();
    backend.mine();
    assert.deepEqual(amounts(await changes(server.url, all)), [4n]);
    assert.deepEqual(amounts(await changes(server.url, toCarol)), [3n, 4n]);
    assert.deepEqual(await changes(server.url, elsewhere), []);
    assert.deepEqual(await changes(server.url, all), []);
  });

  it("honours a numeric fromBlock and toBlock for the changes, as geth does", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend);
    // Head 1: the window covers blocks 3 and 4 only.
    const windowed = await result(server.url, "eth_newFilter", [
      { address: TOKEN_ADDRESS, fromBlock: "0x3", toBlock: "0x4" },
    ]);
    for (const amount of [1n, 2n, 3n, 4n]) {
      await transfer(backend, bob, amount);
      backend.mine();
    }
    // Blocks 2..5 carry 1..4.
    assert.deepEqual(amounts(await changes(server.url, windowed)), [2n, 3n]);
    await transfer(backend, bob, 5n);
    backend.mine();
    assert.deepEqual(await changes(server.url, windowed), []);
    const reversed = await call(server.url, "eth_newFilter", [{ fromBlock: "0x5", toBlock: "0x4" }]);
    assert.equal(reversed.error?.code, -32602);
  });

  it("eth_getFilterLogs re-runs the filter's whole range, history included, as often as asked", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend, { maxLogBlockRange: 5 });
    await transfer(backend, bob, 1n);
    backend.mine();
    const id = await result(server.url, "eth_newFilter", [{ address: TOKEN_ADDRESS, fromBlock: "earliest" }]);
    await transfer(backend, bob, 2n);
    backend.mine();
    assert.deepEqual(amounts((await result(server.url, "eth_getFilterLogs", [id])) as unknown[]), [1n, 2n]);
    assert.deepEqual(amounts((await result(server.url, "eth_getFilterLogs", [id])) as unknown[]), [1n, 2n]);
    // The changes are separate: only what came after the filter.
    assert.deepEqual(amounts(await changes(server.url, id)), [2n]);
    // The same bounds as eth_getLogs.
    for (let i = 0; i < 4; i++) backend.mine();
    const tooWide = await call(server.url, "eth_getFilterLogs", [id]);
    assert.equal(tooWide.error?.code, -32005);
    assert.match(tooWide.error?.message ?? "", /block range too large/);
    const blocks = await result(server.url, "eth_newBlockFilter");
    const wrongKind = await call(server.url, "eth_getFilterLogs", [blocks]);
    assert.equal(wrongKind.error?.code, -32000);
    assert.equal(wrongKind.error?.message, "filter not found");
  });

  it("spreads a poll over several when it reaches the result limit, losing and repeating nothing", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend, { maxLogResults: 2 });
    const id = await result(server.url, "eth_newFilter", [{ address: TOKEN_ADDRESS }]);
    for (const amount of [1n, 2n, 3n, 4n, 5n]) {
      await transfer(backend, bob, amount);
      backend.mine();
    }
    const polls = [
      await changes(server.url, id),
      await changes(server.url, id),
      await changes(server.url, id),
    ];
    assert.deepEqual(polls.map(amounts), [[1n, 2n], [3n, 4n], [5n]]);
    assert.deepEqual(await changes(server.url, id), []);
  });
});

describe("eth_newPendingTransactionFilter", () => {
  it("returns each transaction the pool takes once, and listens to the pool only while it exists", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend);
    assert.equal(backend.pendingListenerCount(), 0);
    const id = await result(server.url, "eth_newPendingTransactionFilter");
    assert.equal(backend.pendingListenerCount(), 1);
    const second = await result(server.url, "eth_newPendingTransactionFilter");
    assert.equal(backend.pendingListenerCount(), 1, "one listener serves every pending filter");
    const a = await transfer(backend, bob, 1n);
    const b = await transfer(backend, carol, 2n);
    assert.deepEqual(await changes(server.url, id), [a, b]);
    assert.deepEqual(await changes(server.url, id), []);
    backend.mine();
    assert.deepEqual(await changes(server.url, id), [], "a commit is not a new pending transaction");
    assert.deepEqual(await changes(server.url, second), [a, b]);
    assert.equal(await result(server.url, "eth_uninstallFilter", [id]), true);
    assert.equal(backend.pendingListenerCount(), 1);
    assert.equal(await result(server.url, "eth_uninstallFilter", [second]), true);
    assert.equal(backend.pendingListenerCount(), 0);
  });
});

describe("filter lifetime and limits", () => {
  it("eth_uninstallFilter removes a filter once; a removed or unknown one is 'filter not found'", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend);
    const id = await result(server.url, "eth_newBlockFilter");
    assert.equal(await result(server.url, "eth_uninstallFilter", [id]), true);
    assert.equal(await result(server.url, "eth_uninstallFilter", [id]), false);
    for (const unknown of [id, "0x1234", "nonsense"]) {
      const reply = await call(server.url, "eth_getFilterChanges", [unknown]);
      assert.equal(reply.error?.code, -32000);
      assert.equal(reply.error?.message, "filter not found");
    }
    assert.equal((await call(server.url, "eth_getFilterChanges", [7])).error?.code, -32602);
    assert.equal((await call(server.url, "eth_getFilterChanges", [])).error?.code, -32602);
    assert.equal((await call(server.url, "eth_newFilter", [{ topics: "x" }])).error?.code, -32602);
  });

  it("expires a filter after 5 minutes without a poll; each poll keeps it alive", async (t) => {
    const backend = tokenChain();
    let now = 1_000_000;
    const { server } = await startRpc(t, backend, { filterClock: () => now });
    const polled = await result(server.url, "eth_newBlockFilter");
    const idle = await result(server.url, "eth_newPendingTransactionFilter");
    for (let i = 0; i < 3; i++) {
      now += 4 * 60 * 1000;
      assert.deepEqual(await changes(server.url, polled), []);
    }
    const gone = await call(server.url, "eth_getFilterChanges", [idle]);
    assert.equal(gone.error?.message, "filter not found");
    // The expired pending filter no longer costs the pool anything.
    assert.equal(backend.pendingListenerCount(), 0);
    now += 5 * 60 * 1000 + 1;
    assert.equal(
      (await call(server.url, "eth_getFilterChanges", [polled])).error?.message,
      "filter not found",
    );
    assert.equal(await result(server.url, "eth_uninstallFilter", [polled]), false);
  });

  it("caps the filters of one client (-32005) and frees a slot on uninstall", async (t) => {
    const backend = tokenChain();
    // Loopback is exempt by default; this test's client is loopback, so the exemption is turned off.
    const { server, limited } = await startRpc(t, backend, { maxFiltersPerClient: 2, exemptLoopback: false });
    const first = await result(server.url, "eth_newBlockFilter");
    await result(server.url, "eth_newFilter", [{}]);
    const refused = await call(server.url, "eth_newPendingTransactionFilter");
    assert.equal(refused.error?.code, -32005);
    assert.match(refused.error?.message ?? "", /too many filters: the limit is 2 per client/);
    assert.deepEqual(limited, ["filters"]);
    assert.equal(await result(server.url, "eth_uninstallFilter", [first]), true);
    await result(server.url, "eth_newPendingTransactionFilter");
  });

  it("exempts loopback from the per-client cap but not from the node's total", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend, { maxFiltersPerClient: 1, maxFilters: 3 });
    for (let i = 0; i < 3; i++) await result(server.url, "eth_newBlockFilter");
    const refused = await call(server.url, "eth_newBlockFilter");
    assert.equal(refused.error?.code, -32005);
    assert.match(refused.error?.message ?? "", /too many filters on this node: the limit is 3/);
  });

  it("drops every filter when the server closes", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend);
    await result(server.url, "eth_newPendingTransactionFilter");
    await result(server.url, "eth_newBlockFilter");
    assert.equal(backend.pendingListenerCount(), 1);
    await server.close();
    assert.equal(backend.pendingListenerCount(), 0);
  });
});

describe("FilterRegistry", () => {
  const OPTS: FilterRegistryOptions = {
    timeoutMs: 1000,
    maxPerClient: 2,
    maxTotal: 4,
    maxPendingHashes: 3,
    sweepIntervalMs: 60_000,
    exemptLoopback: true,
  };

  it("counts filters per client key and in all, and forgets a client with none left", () => {
    const backend = tokenChain();
    const registry = new FilterRegistry(OPTS, { backend });
    try {
      const a = registry.install("10.0.0.1", { kind: "block" });
      registry.install("10.0.0.1", { kind: "block" });
      assert.throws(() => registry.install("10.0.0.1", { kind: "block" }), /2 per client/);
      registry.install("10.0.0.2", { kind: "block" });
      registry.install("127.0.0.1", { kind: "block" });
      assert.equal(registry.size, 4);
      assert.throws(() => registry.install("10.0.0.3", { kind: "block" }), /on this node/);
      assert.equal(registry.countFor("10.0.0.1"), 2);
      assert.equal(registry.uninstall(a), true);
      assert.equal(registry.countFor("10.0.0.1"), 1);
      assert.equal(registry.size, 3);
    } finally {
      registry.close();
    }
  });

  it("sweeps expired filters with the injected clock", () => {
    const backend = tokenChain();
    let now = 0;
    const registry = new FilterRegistry(OPTS, { backend, now: () => now });
    try {
      const old = registry.install("10.0.0.1", { kind: "block" });
      now = 600;
      const young = registry.install("10.0.0.1", { kind: "pending" });
      now = 1001;
      registry.sweep();
      assert.equal(registry.size, 1);
      assert.equal(registry.get(old), undefined);
      assert.equal(registry.countFor("10.0.0.1"), 1);
      assert.ok(registry.get(young));
      now = 1601;
      registry.sweep();
      assert.equal(registry.size, 0);
      assert.equal(backend.pendingListenerCount(), 0);
    } finally {
      registry.close();
    }
  });

  it("keeps at most maxPendingHashes per pending filter, the newest", async () => {
    const backend = tokenChain();
    const registry = new FilterRegistry(OPTS, { backend });
    try {
      const id = registry.install("10.0.0.1", { kind: "pending" });
      const hashes: Hex[] = [];
      for (let i = 0; i < 8; i++) hashes.push(await transfer(backend, bob, BigInt(i + 1)));
      const filter = registry.get(id);
      assert.ok(filter?.kind === "pending");
      assert.deepEqual(registry.takePending(filter), hashes.slice(-3));
      assert.deepEqual(registry.takePending(filter), []);
    } finally {
      registry.close();
    }
  });

  it("gives each pending filter what was admitted since it was installed or last polled", async () => {
    const backend = tokenChain();
    const registry = new FilterRegistry(OPTS, { backend });
    try {
      const early = registry.install("10.0.0.1", { kind: "pending" });
      const a = await transfer(backend, bob, 1n);
      const b = await transfer(backend, bob, 2n);
      const late = registry.install("10.0.0.2", { kind: "pending" });
      const c = await transfer(backend, bob, 3n);
      const take = (id: string) => {
        const filter = registry.get(id);
        assert.ok(filter?.kind === "pending");
        return registry.takePending(filter);
      };
      assert.deepEqual(take(late), [c]);
      assert.deepEqual(take(early), [a, b, c]);
      const d = await transfer(backend, bob, 4n);
      assert.deepEqual(take(early), [d]);
      assert.deepEqual(take(late), [d]);
      assert.deepEqual(take(late), []);
    } finally {
      registry.close();
    }
  });

  it("refuses new filters once closed", () => {
    const registry = new FilterRegistry(OPTS, { backend: tokenChain() });
    registry.close();
    assert.throws(() => registry.install("10.0.0.1", { kind: "block" }), /closed/);
  });
});
