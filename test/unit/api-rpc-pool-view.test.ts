import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Wallet } from "ethers";
import { onPendingTx, pooledTxs } from "../../node/api/rpcBackend.ts";
import { createNodeMempool } from "../../node/mempool/nodeMempool.ts";
import type { PendingTxEvent } from "../../node/rpc/backend.ts";
import { addr, alice, bob, carol, GWEI, signTx, testApp } from "../helpers/appFixture.ts";

/** The node's pool as RPC sees it: executable (pending) vs behind a nonce gap (queued), and admissions. */

function transfer(w: Wallet, nonce: number): Promise<Uint8Array> {
  return signTx(w, {
    to: addr(carol),
    value: 1n,
    nonce,
    maxFeePerGas: 100n * GWEI,
    maxPriorityFeePerGas: GWEI,
  });
}

describe("node rpc backend: the pool view", () => {
  it("marks a sender's gapless run from its account nonce executable and what lies past a gap queued", async () => {
    const mempool = createNodeMempool(testApp());
    const added = [
      mempool.add(await transfer(alice, 0)).hash,
      mempool.add(await transfer(alice, 1)).hash,
      mempool.add(await transfer(alice, 3)).hash,
      mempool.add(await transfer(bob, 1)).hash,
    ];
    const view = pooledTxs(mempool);
    const status = new Map(view.map((tx) => [tx.hash, [tx.from, tx.nonce, tx.executable]]));
    assert.deepEqual(
      added.map((hash) => status.get(hash)),
      [
        [addr(alice), 0n, true],
        [addr(alice), 1n, true],
        [addr(alice), 3n, false],
        [addr(bob), 1n, false],
      ],
    );
    // Closing alice's gap makes her nonce 3 executable.
    mempool.add(await transfer(alice, 2));
    assert.deepEqual(
      pooledTxs(mempool)
        .filter((tx) => tx.from === addr(alice))
        .map((tx) => [tx.nonce, tx.executable]),
      [
        [0n, true],
        [1n, true],
        [2n, true],
        [3n, true],
      ],
    );
  });

  it("announces each admission, and a throwing listener never fails the admission", async () => {
    const mempool = createNodeMempool(testApp());
    const heard: PendingTxEvent[] = [];
    const stop = onPendingTx(mempool, (tx) => heard.push(tx));
    const stopBroken = onPendingTx(mempool, () => {
      throw new Error("listener failure");
    });
    const raw = await transfer(alice, 0);
    const { hash } = mempool.add(raw);
    assert.equal(mempool.has(hash), true);
    assert.deepEqual(heard, [{ hash, raw, from: addr(alice) }]);
    stop();
    stopBroken();
    mempool.add(await transfer(alice, 1));
    assert.equal(heard.length, 1);
  });
});
