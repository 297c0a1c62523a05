import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Contract, type ContractEventPayload, JsonRpcProvider, parseEther, type Wallet } from "ethers";
import { createPublicClient, type Hash, http, parseAbi, parseAbiItem } from "viem";
import { type Hex, toAddress } from "../../node/crypto/index.ts";
import { ERC20, FakeRpcBackend, TOKEN_ADDRESS, testWallets } from "../helpers/rpcBackend.ts";
import { startRpc } from "../helpers/rpcServer.ts";

/**
 * Filters as ethers and viem use them, unmodified: ethers' contract.on over HTTP installs an eth_newFilter and
 * polls it on each new block, viem's filter actions call the methods directly. Each event must arrive once.
 */

const [alice, bob, carol] = testWallets(3) as [Wallet, Wallet, Wallet];
const TRANSFER = "event Transfer(address indexed from, address indexed to, uint256 value)";

function tokenChain(): FakeRpcBackend {
  const backend = new FakeRpcBackend({
    alloc: { [toAddress(alice.address)]: parseEther("100") },
    tokenAlloc: { [toAddress(alice.address)]: 1_000_000n },
  });
  backend.mine();
  return backend;
}

function sender(backend: FakeRpcBackend): (to: Wallet, amount: bigint) => Promise<Hex> {
  let nonce = 0;
  return async (to, amount) => {
    const raw = await alice.signTransaction({
      type: 2,
      chainId: backend.chain.chainId,
      nonce: nonce++,
      to: TOKEN_ADDRESS,
      data: ERC20.encodeFunctionData("transfer", [to.address, amount]),
      gasLimit: 60_000n,
      maxFeePerGas: 2n * backend.chain.minGasPrice,
      maxPriorityFeePerGas: 0n,
    });
    const sent = await backend.sendRawTransaction(Buffer.from(raw.slice(2), "hex"));
    assert.ok(sent.ok, JSON.stringify(sent));
    return sent.hash;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(
  condition: () => boolean,
  what: string | (() => string),
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await sleep(10);
  }
}

describe("ethers contract.on over HTTP", () => {
  it("delivers each Transfer exactly once, through eth_newFilter and eth_getFilterChanges", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend);
    // ethers' own polling (a block poller, then the filter's changes on each new block), only faster than 4 s.
    const provider = new JsonRpcProvider(server.url, undefined, { pollingInterval: 50 });
    t.after(() => provider.destroy());
    const methods: string[] = [];
    await provider.on(
      "debug",
      (info: { action: string; payload?: { method: string } | { method: string }[] }) => {
        if (info.action !== "sendRpcPayload" || info.payload === undefined) return;
        for (const p of Array.isArray(info.payload) ? info.payload : [info.payload]) methods.push(p.method);
      },
    );
    const token = new Contract(TOKEN_ADDRESS, ERC20, provider);
    const received: { hash: string; index: number; value: bigint; to: string }[] = [];
    await token.on("Transfer", (_from: string, to: string, value: bigint, event: ContractEventPayload) => {
      received.push({ hash: event.log.transactionHash, index: event.log.index, value, to });
    });
    // Installed once ethers polls it (it sends the first poll after eth_newFilter answered).
    await until(() => methods.includes("eth_getFilterChanges"), "the filter to be installed");

    const send = sender(backend);
    const sent: Hex[] = [];
    // Blocks with two, none and one transfer, while ethers polls in between.
    sent.push(await send(bob, 1n), await send(carol, 2n));
    backend.mine();
    await sleep(120);
    backend.mine();
    await sleep(120);
    sent.push(await send(bob, 3n));
    backend.mine();
    await until(() => received.length >= 3, "three events");
    sent.push(await send(carol, 4n));
    backend.mine();
    await until(() => received.length >= 4, "four events");
    // More blocks and polls: nothing may come again.
    for (let i = 0; i < 4; i++) {
      backend.mine();
      await sleep(80);
    }
    assert.deepEqual(
      received.map((r) => [r.hash, r.value]),
      sent.map((hash, i) => [hash, BigInt(i + 1)]),
    );
    assert.equal(new Set(received.map((r) => `${r.hash}:${r.index}`)).size, received.length);
    assert.equal(received[1]?.to, carol.address);
    assert.ok(methods.includes("eth_getFilterChanges"));
    assert.ok(!methods.includes("eth_getLogs"), "no fallback to polling eth_getLogs");
  });

  it("delivers 'pending' over HTTP through eth_newPendingTransactionFilter", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend);
    const provider = new JsonRpcProvider(server.url, undefined, { pollingInterval: 50 });
    t.after(() => provider.destroy());
    const seen: string[] = [];
    await provider.on("pending", (hash: string) => seen.push(hash));
    await until(() => backend.pendingListenerCount() > 0, "the pending filter");
    const send = sender(backend);
    const sent = [await send(bob, 1n), await send(carol, 2n)];
    // ethers polls a filter when a new block comes.
    backend.mine();
    await until(() => seen.length >= 2, "two pending hashes");
    backend.mine();
    await sleep(150);
    assert.deepEqual(seen, sent);
  });
});

describe("viem filters over HTTP", () => {
  it("createEventFilter / getFilterChanges / getFilterLogs / uninstallFilter", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend);
    const client = createPublicClient({ transport: http(server.url) });
    const send = sender(backend);
    const before = await send(bob, 1n);
    backend.mine();
    const filter = await client.createEventFilter({
      address: TOKEN_ADDRESS,
      event: parseAbiItem(TRANSFER),
      args: { to: carol.address as Hex },
      fromBlock: 1n,
    });
    await send(carol, 2n);
    await send(bob, 3n);
    backend.mine();
    const changes = await client.getFilterChanges({ filter });
    assert.deepEqual(
      changes.map((l) => [l.args.to, l.args.value]),
      [[carol.address, 2n]],
    );
    assert.deepEqual(await client.getFilterChanges({ filter }), []);
    await send(carol, 4n);
    backend.mine();
    assert.deepEqual(
      (await client.getFilterChanges({ filter })).map((l) => l.args.value),
      [4n],
    );
    // The whole range from block 1, with decoded args.
    const all = await client.getFilterLogs({ filter });
    assert.deepEqual(
      all.map((l) => l.args.value),
      [2n, 4n],
    );
    assert.ok(!all.some((l) => l.transactionHash === before));
    assert.equal(await client.uninstallFilter({ filter }), true);
    await assert.rejects(client.getFilterChanges({ filter }), /filter not found/);
  });

  it("createBlockFilter returns each new block hash once", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend);
    const client = createPublicClient({ transport: http(server.url) });
    const filter = await client.createBlockFilter();
    const mined: Hash[] = [backend.mine().hash, backend.mine().hash];
    assert.deepEqual(await client.getFilterChanges({ filter }), mined);
    assert.deepEqual(await client.getFilterChanges({ filter }), []);
    const next = backend.mine().hash;
    assert.deepEqual(await client.getFilterChanges({ filter }), [next]);
    assert.equal(await client.uninstallFilter({ filter }), true);
  });

  it("watchContractEvent over HTTP (filter polling) sees each event once", async (t) => {
    const backend = tokenChain();
    const { server } = await startRpc(t, backend);
    const methods: string[] = [];
    const client = createPublicClient({
      transport: http(server.url, {
        onFetchRequest: async (request) => {
          const body = JSON.parse(await request.clone().text()) as { method: string } | { method: string }[];
          for (const m of Array.isArray(body) ? body : [body]) methods.push(m.method);
        },
      }),
      pollingInterval: 50,
    });
    const values: bigint[] = [];
    const errors: unknown[] = [];
    const unwatch = client.watchContractEvent({
      address: TOKEN_ADDRESS,
      abi: parseAbi([TRANSFER]),
      eventName: "Transfer",
      onLogs: (logs) => {
        for (const log of logs) values.push(log.args.value ?? -1n);
      },
      onError: (err) => errors.push(err),
    });
    const send = sender(backend);
    await until(() => methods.includes("eth_getFilterChanges"), "the filter to be installed");
    await send(bob, 1n);
    await send(carol, 2n);
    backend.mine();
    await until(() => values.length >= 2, "two events");
    await send(bob, 3n);
    backend.mine();
    await until(() => values.length >= 3, "three events");
    backend.mine();
    await sleep(200);
    // viem stops polling once its eth_uninstallFilter is answered: the server must still be up for it.
    unwatch();
    await until(() => methods.includes("eth_uninstallFilter"), "the filter to be uninstalled");
    await sleep(100);
    assert.deepEqual(values, [1n, 2n, 3n]);
    assert.deepEqual(errors, []);
    assert.ok(methods.includes("eth_newFilter"));
    assert.ok(!methods.includes("eth_getLogs"), "no fallback to polling eth_getLogs");
  });
});
