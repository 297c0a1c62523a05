import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Contract, JsonRpcProvider, parseEther, Wallet, WebSocketProvider } from "ethers";
import { devAccountKey } from "../../genesis/devKeys.ts";
import { nativeTokenAddress } from "../../node/app/index.ts";
import { errorMessage } from "../../node/util/errors.ts";
import { blockHashAt, Cluster, eventually, heightOf } from "../helpers/cluster.ts";

const ERC20_ABI = [
  "function balanceOf(address) view returns (uint256)",
  "function transfer(address to, uint256 amount) returns (bool)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "event Transfer(address indexed from, address indexed to, uint256 value)",
];

async function reachedBlock(url: string, blockNumber: number | undefined): Promise<void> {
  assert.ok(blockNumber !== undefined);
  await eventually(`block ${blockNumber} at ${url}`, async () => (await heightOf(url)) >= blockNumber);
}

describe("a 4-validator cluster of real processes", { timeout: 300_000 }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await Cluster.create({ validators: 4 });
    await cluster.startAll();
  });
  after(() => cluster?.destroy());

  it("commits at least 20 blocks with identical hashes on every node", async () => {
    const urls = cluster.nodes.map((n) => n.rpcUrl);
    await eventually("height 20 on every node", async () =>
      (await Promise.all(urls.map(heightOf))).every((h) => h >= 20),
    );
    for (let h = 1; h <= 20; h++) {
      const hashes = await Promise.all(urls.map((u) => blockHashAt(u, h)));
      assert.equal(new Set(hashes).size, 1, `height ${h}: ${hashes.join(" ")}`);
      assert.ok(hashes[0]);
    }
  });

  it("works with unmodified ethers v6: transfers, nonces, balances and an ERC20 contract, from any node", async () => {
    const [a, b] = [cluster.nodes[1]?.rpcUrl, cluster.nodes[3]?.rpcUrl];
    assert.ok(a && b);
    const providerA = new JsonRpcProvider(a);
    const providerB = new JsonRpcProvider(b, undefined, { cacheTimeout: -1 });
    try {
      const sender = new Wallet(devAccountKey(0), providerA);
      const recipient = Wallet.createRandom().address;
      const nonceBefore = await providerA.getTransactionCount(sender.address);
      const tx = await sender.sendTransaction({ to: recipient, value: parseEther("1.5") });
      const receipt = await tx.wait();
      assert.equal(receipt?.status, 1);
      // Node A answered with its receipt as soon as it committed; node B may commit the same block a moment later.
      await reachedBlock(b, receipt?.blockNumber);
      assert.equal(
        await providerB.getBalance(recipient),
        parseEther("1.5"),
        "the other node has the same state",
      );
      assert.equal(await providerB.getTransactionCount(sender.address), nonceBefore + 1);

      const token = new Contract(nativeTokenAddress("DEV"), ERC20_ABI, sender);
      assert.equal(await token.getFunction("symbol")(), "DEV");
      const before = (await token.getFunction("balanceOf")(sender.address)) as bigint;
      const transfer = await token.getFunction("transfer")(recipient, 1234n);
      const transferReceipt = await transfer.wait();
      assert.equal(transferReceipt?.status, 1);
      await reachedBlock(b, transferReceipt?.blockNumber);
      const onB = new Contract(nativeTokenAddress("DEV"), ERC20_ABI, providerB);
      assert.equal(await onB.getFunction("balanceOf")(recipient), 1234n);
      assert.equal(await token.getFunction("balanceOf")(sender.address), before - 1234n);
      const events = await onB.queryFilter(
        onB.filters.Transfer?.(sender.address, recipient) ?? "Transfer",
        transferReceipt?.blockNumber,
        transferReceipt?.blockNumber,
      );
      assert.equal(events.length, 1);
      assert.equal(events[0]?.transactionHash, transfer.hash);
    } finally {
      providerA.destroy();
      providerB.destroy();
    }
  });

  it("pushes new blocks to an ethers WebSocketProvider (eth_subscribe newHeads)", async () => {
    const url = cluster.nodes[2]?.rpcUrl;
    assert.ok(url);
    const ws = new WebSocketProvider(url.replace("http", "ws"));
    try {
      const seen: number[] = [];
      await ws.on("block", (n: number) => seen.push(n));
      await eventually("two pushed blocks", async () => seen.length >= 2, 60_000);
      assert.ok((seen[1] as number) > (seen[0] as number));
      const block = await ws.getBlock(seen[0] as number);
      assert.equal(block?.number, seen[0]);
    } finally {
      await ws.destroy();
    }
  });

  it("answers bad RPC input with the right error codes and keeps serving", async () => {
    const url = cluster.nodes[0]?.rpcUrl as string;
    const post = async (body: string) => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }).catch((err: unknown) => {
        // undici's "fetch failed" hides what happened to the socket, which is what a failure here needs to say.
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new Error(`fetch failed: ${cause?.code ?? ""} ${cause?.message ?? errorMessage(err)}`, {
          cause: err,
        });
      });
      return {
        status: res.status,
        json: (await res.json().catch(() => null)) as
          | { error?: { code: number } }
          | { error?: { code: number } }[]
          | null,
      };
    };
    const code = (r: { json: unknown }) => (r.json as { error?: { code: number } }).error?.code;
    assert.equal(code(await post("{not json")), -32700);
    assert.equal(
      code(await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_nope", params: [] }))),
      -32601,
    );
    assert.equal(
      code(
        await post(
          JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBalance", params: [42, "latest"] }),
        ),
      ),
      -32602,
    );
    assert.equal(code(await post(JSON.stringify({ jsonrpc: "1.0", id: 1, method: "eth_chainId" }))), -32600);
    // 2 MiB: over the 1 MiB limit, under the 4x the server drains before hanging up, so the 413 always arrives.
    const big = await post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_sendRawTransaction",
        params: [`0x${"ab".repeat(1024 * 1024)}`],
      }),
    );
    assert.equal(big.status, 413);
    const huge = Array.from({ length: 1000 }, (_, id) => ({ jsonrpc: "2.0", id, method: "eth_chainId" }));
    assert.equal(code(await post(JSON.stringify(huge))), -32600);
    assert.equal(
      code(
        await post(
          JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: ["0x1234"] }),
        ),
      ),
      -32003,
    );
    // Still serving, still committing.
    const h = await heightOf(url);
    await eventually("another block after the bad input", async () => (await heightOf(url)) > h);
  });
});
