import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { isError, JsonRpcProvider, type TransactionResponse } from "ethers";
import { createPublicClient, createWalletClient, defineChain, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { genesisBlockOf } from "../../node/api/nodeRpc.ts";
import { createRpcBackend } from "../../node/api/rpcBackend.ts";
import { initialState } from "../../node/app/index.ts";
import { ClaimPool, DepositIntake } from "../../node/deposits/index.ts";
import { MIN_SUGGESTED_TIP } from "../../node/rpc/feeOracle.ts";
import { GENESIS_BLOCK_HASH } from "../../node/rpc/genesisBlock.ts";
import { addr, alice, BASE_FEE, bob, signTx, testGenesis, val1 } from "../helpers/appFixture.ts";
import { commitFor, GENESIS_TIME, openTestChain } from "../helpers/chainFixture.ts";
import { CHAIN_ID, TEST_KEYS } from "../helpers/genesisFixture.ts";
import { obj, rpc, single, startRpc } from "../helpers/rpcServer.ts";

/**
 * The RPC over the node's real backend (createRpcBackend over a chain, its store, app and mempool): block 0 as
 * the genesis block, and a wallet's speed-up and cancel through ethers against the real replacement rule.
 */

async function nodeRpc(t: TestContext) {
  const node = await openTestChain(t);
  const claims = new ClaimPool(() => node.app.nextDepositNonce());
  const backend = createRpcBackend(
    {
      chainId: node.chain.chainId,
      clientVersion: "outrigger/test",
      minGasPrice: BASE_FEE,
      blockGasLimit: 30_000_000n,
      epochLength: 4,
    },
    {
      chain: node.chain,
      store: node.store,
      app: node.app,
      mempool: node.mempool,
      admission: { admit: async (raw) => node.mempool.add(raw, "local") },
      checkpoints: null,
      status: () => ({ syncing: false, highestKnownHeight: null, peers: 0, validator: null }),
      l1: null,
      claims,
      intake: new DepositIntake({ pool: claims, confirmer: null, publish: () => {} }),
      heldEvidence: () => [],
      checkpointL1: null,
      genesisBlock: genesisBlockOf(testGenesis(), GENESIS_TIME),
    },
  );
  const { server } = await startRpc(t, backend);
  const call = async (method: string, params: unknown[] = []) => {
    const reply = single(await rpc(server.url, method, params));
    assert.equal(reply.error, undefined, `${method}: ${JSON.stringify(reply.error)}`);
    return reply.result;
  };
  /** Builds and commits the next block from the mempool, as consensus would. */
  const commitNext = async () => {
    const height = node.chain.height + 1;
    node.clock.now += 1000;
    const built = await node.chain.buildBlock(height, addr(val1));
    await node.chain.commitBlock(built, commitFor(height, built.blockHash));
    return built;
  };
  return { node, backend, url: server.url, call, commitNext };
}

describe("rpc over the node's backend: block 0 is the genesis block", () => {
  it("serves block 0 from the start, with the genesis appHash, and block 1 names it as its parent", async (t) => {
    const { node, call, commitNext } = await nodeRpc(t);
    const genesisAppHash = initialState(testGenesis()).appHash;
    assert.equal(node.app.appHash(), genesisAppHash, "the state block 1 builds on");

    // Before the first commit, "latest" and "earliest" are both block 0.
    assert.equal(await call("eth_blockNumber"), "0x0");
    for (const ref of ["0x0", "earliest", "latest"]) {
      const block = obj(await call("eth_getBlockByNumber", [ref, false]));
      assert.equal(block.number, "0x0", ref);
      assert.equal(block.hash, GENESIS_BLOCK_HASH, ref);
      assert.equal(block.stateRoot, genesisAppHash, ref);
    }
    assert.equal(await call("eth_getBlockByNumber", ["0x1", false]), null);

    node.mempool.add(await signed(0, 2n * BASE_FEE, 0n));
    const one = await commitNext();
    const block0 = obj(await call("eth_getBlockByNumber", ["0x0", true]));
    const block1 = obj(await call("eth_getBlockByNumber", ["0x1", false]));
    assert.equal(block1.hash, one.blockHash);
    assert.equal(block1.parentHash, block0.hash, "block 1's parent is block 0");
    assert.equal(one.block.header.parentHash, GENESIS_BLOCK_HASH, "as consensus committed it");
    assert.equal(block0.parentHash, GENESIS_BLOCK_HASH);
    assert.deepEqual(block0.transactions, []);
    assert.equal(block0.timestamp, `0x${(GENESIS_TIME / 1000).toString(16)}`);
    assert.ok(Number(block1.timestamp) >= Number(block0.timestamp));
    assert.equal(block0.baseFeePerGas, `0x${BASE_FEE.toString(16)}`);
    assert.equal(block0.gasUsed, "0x0");
    assert.equal(block0.miner, `0x${"00".repeat(20)}`);
    assert.equal((block1.transactions as unknown[]).length, 1);

    assert.deepEqual(obj(await call("eth_getBlockByHash", [GENESIS_BLOCK_HASH, false])), {
      ...block0,
      transactions: [],
    });
    assert.equal(await call("eth_getBlockTransactionCountByNumber", ["earliest"]), "0x0");
    assert.equal(await call("eth_getBlockTransactionCountByHash", [GENESIS_BLOCK_HASH]), "0x0");
    assert.equal(await call("eth_getTransactionByBlockNumberAndIndex", ["0x0", "0x0"]), null);
    assert.deepEqual(await call("eth_getBlockReceipts", ["0x0"]), []);
    assert.deepEqual(await call("eth_getBlockReceipts", [GENESIS_BLOCK_HASH]), []);
    assert.deepEqual(await call("eth_getLogs", [{ fromBlock: "earliest", toBlock: "0x0" }]), []);
    const history = obj(await call("eth_feeHistory", ["0x5", "latest", [50]]));
    assert.equal(history.oldestBlock, "0x0");
    assert.equal((history.baseFeePerGas as unknown[]).length, 3);
    assert.equal((history.gasUsedRatio as number[])[0], 0);
    assert.deepEqual((history.reward as unknown[])[0], ["0x0"]);
  });
});

/** alice's transfer to bob at `nonce` with the given fee cap and tip. */
function signed(nonce: number, maxFeePerGas: bigint, maxPriorityFeePerGas: bigint): Promise<Uint8Array> {
  return signTx(alice, { to: bob.address, value: 1n, nonce, maxFeePerGas, maxPriorityFeePerGas });
}

describe("rpc over the node's backend: a wallet's speed-up and cancel through ethers", () => {
  it("replaces a pending transaction with fees * 1.1, cancels it with a 0-value self-send, refuses +9%", async (t) => {
    const { node, url, commitNext } = await nodeRpc(t);
    const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    t.after(() => provider.destroy());
    const signer = alice.connect(provider);

    // What ethers fills in from eth_maxPriorityFeePerGas and the latest base fee: a non-zero tip.
    const sent: TransactionResponse = await signer.sendTransaction({ to: bob.address, value: 1n });
    assert.equal(sent.maxPriorityFeePerGas, MIN_SUGGESTED_TIP);
    assert.equal(sent.maxFeePerGas, 2n * BASE_FEE + MIN_SUGGESTED_TIP);
    // No block is built, so it stays pending.
    assert.equal((await provider.getTransaction(sent.hash))?.blockNumber, null);

    const bump = (fee: bigint | null, percent: bigint) => ((fee ?? 0n) * percent) / 100n;
    const speedUp = await signer.sendTransaction({
      to: bob.address,
      value: 1n,
      nonce: sent.nonce,
      maxFeePerGas: bump(sent.maxFeePerGas, 110n),
      maxPriorityFeePerGas: bump(sent.maxPriorityFeePerGas, 110n),
    });
    assert.equal(node.mempool.has(sent.hash as `0x${string}`), false, "the original was replaced");
    assert.equal(node.mempool.has(speedUp.hash as `0x${string}`), true);

    await assert.rejects(
      signer.sendTransaction({
        to: alice.address,
        value: 0n,
        nonce: sent.nonce,
        maxFeePerGas: bump(speedUp.maxFeePerGas, 109n),
        maxPriorityFeePerGas: bump(speedUp.maxPriorityFeePerGas, 109n),
      }),
      (err: unknown) => isError(err, "REPLACEMENT_UNDERPRICED"),
    );
    const cancel = await signer.sendTransaction({
      to: alice.address,
      value: 0n,
      nonce: sent.nonce,
      maxFeePerGas: bump(speedUp.maxFeePerGas, 110n),
      maxPriorityFeePerGas: bump(speedUp.maxPriorityFeePerGas, 110n),
    });
    await commitNext();
    const receipt = await provider.getTransactionReceipt(cancel.hash);
    assert.equal(receipt?.status, 1);
    assert.equal(receipt?.to?.toLowerCase(), addr(alice));
    assert.equal(await provider.getTransaction(speedUp.hash), null, "the speed-up was replaced too");
    assert.equal(await provider.getTransactionCount(alice.address), 1);
  });
});

describe("rpc over the node's backend: a wallet's speed-up and cancel through viem", () => {
  it("replaces a pending transaction with fees * 1.1 and cancels it, as viem users do", async (t) => {
    const { node, url, commitNext } = await nodeRpc(t);
    const chain = defineChain({
      id: Number(CHAIN_ID),
      name: "outrigger-test",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [url] } },
    });
    const account = privateKeyToAccount(TEST_KEYS.bob.privateKey);
    const wallet = createWalletClient({ account, chain, transport: http(url) });
    const client = createPublicClient({ chain, transport: http(url) });

    const hash = await wallet.sendTransaction({ to: alice.address as `0x${string}`, value: 1n });
    const sent = await client.getTransaction({ hash });
    assert.equal(sent.maxPriorityFeePerGas, MIN_SUGGESTED_TIP);
    assert.ok(sent.maxFeePerGas !== undefined && sent.maxFeePerGas > BASE_FEE + MIN_SUGGESTED_TIP);
    assert.equal(sent.blockNumber, null, "nothing builds blocks: it stays pending");

    const bump = (fee: bigint | undefined) => ((fee ?? 0n) * 110n) / 100n;
    const speedUp = await wallet.sendTransaction({
      to: alice.address as `0x${string}`,
      value: 1n,
      nonce: sent.nonce,
      maxFeePerGas: bump(sent.maxFeePerGas),
      maxPriorityFeePerGas: bump(sent.maxPriorityFeePerGas),
    });
    assert.ok(node.mempool.has(speedUp) && !node.mempool.has(hash), "the speed-up replaced the original");
    const cancel = await wallet.sendTransaction({
      to: account.address,
      value: 0n,
      nonce: sent.nonce,
      maxFeePerGas: bump(bump(sent.maxFeePerGas)),
      maxPriorityFeePerGas: bump(bump(sent.maxPriorityFeePerGas)),
    });
    await commitNext();
    const receipt = await client.getTransactionReceipt({ hash: cancel });
    assert.equal(receipt.status, "success");
    assert.equal(receipt.to, account.address.toLowerCase());
    assert.equal(receipt.effectiveGasPrice, BASE_FEE + bump(bump(MIN_SUGGESTED_TIP)));
  });
});
