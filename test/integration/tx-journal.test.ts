import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JsonRpcProvider, parseEther, Wallet } from "ethers";
import { devAccountKey } from "../../genesis/devKeys.ts";
import { Cluster, eventually, heightOf, rpc } from "../helpers/cluster.ts";

describe("accepted transactions across a crash of every validator", { timeout: 300_000 }, () => {
  it("a transaction accepted while the chain could not commit is included after all nodes were killed and restarted", async (t) => {
    const cluster = await Cluster.create({ validators: 4 });
    t.after(() => cluster.destroy());
    await cluster.startAll();
    const url0 = () => cluster.nodes[0]?.rpcUrl as string;
    await eventually("a few blocks", async () => (await heightOf(url0())) >= 3);
    // Three of four down: nothing commits, so what node 0 accepts can only wait in its pool.
    for (const i of [1, 2, 3]) await cluster.kill(i);
    const provider = new JsonRpcProvider(url0(), undefined, { staticNetwork: true });
    const sender = new Wallet(devAccountKey(3), provider);
    const recipient = Wallet.createRandom().address;
    const sent = await sender.sendTransaction({
      to: recipient,
      value: parseEther("0.25"),
      gasLimit: 21_000n,
    });
    provider.destroy();
    const pending = await rpc<{ status: string } | null>(url0(), "outrigger_txStatus", [sent.hash]);
    assert.equal(pending?.status, "pending", "node 0 accepted it and holds it");
    const haltedAt = await heightOf(url0());

    await cluster.kill(0);
    await cluster.startAll();
    await eventually(
      "the transaction is included after the restart",
      async () => (await rpc<unknown>(url0(), "eth_getTransactionReceipt", [sent.hash])) !== null,
    );
    const receipt = await rpc<{ status: string; blockNumber: string }>(url0(), "eth_getTransactionReceipt", [
      sent.hash,
    ]);
    assert.equal(receipt.status, "0x1");
    assert.ok(Number(receipt.blockNumber) > haltedAt, "included by a block after the crash");
    assert.equal(
      BigInt(await rpc<string>(url0(), "eth_getBalance", [recipient, "latest"])),
      parseEther("0.25"),
    );
    assert.match(await cluster.log(0), /journaled transactions re-admitted/);
  });
});
