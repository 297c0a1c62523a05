import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { JsonRpcProvider, parseEther, type Wallet } from "ethers";
import { createPublicClient, http } from "viem";
import { type Address, type Hex, toAddress, ZERO_HASH } from "../../node/crypto/index.ts";
import type { BlockRecord, Receipt } from "../../node/rpc/backend.ts";
import {
  FEE_ORACLE_BLOCKS,
  MAX_SUGGESTED_TIP,
  MIN_SUGGESTED_TIP,
  suggestedTip,
  suggestTip,
} from "../../node/rpc/feeOracle.ts";
import { GENESIS_BLOCK_HASH, genesisBlockRecord } from "../../node/rpc/genesisBlock.ts";
import { ERC20, FakeRpcBackend, TOKEN_ADDRESS, testWallets } from "../helpers/rpcBackend.ts";
import { obj, rpc, single, startRpc } from "../helpers/rpcServer.ts";

/** Block 0 as every block method serves it, and the fee suggestions wallets build their transactions from. */

const GWEI = 1_000_000_000n;
const MIN_GAS_PRICE = GWEI;
const [alice, bob] = testWallets(2) as [Wallet, Wallet];
const addr = (w: Wallet): Address => toAddress(w.address);

function backend(): FakeRpcBackend {
  return new FakeRpcBackend({
    minGasPrice: MIN_GAS_PRICE,
    alloc: { [addr(alice)]: parseEther("100"), [addr(bob)]: parseEther("100") },
    tokenAlloc: { [addr(alice)]: 10n ** 21n },
  });
}

async function serve(t: TestContext, b: FakeRpcBackend) {
  const { server } = await startRpc(t, b);
  const call = async (method: string, params: unknown[] = []) => {
    const reply = single(await rpc(server.url, method, params));
    assert.equal(reply.error, undefined, `${method}: ${JSON.stringify(reply.error)}`);
    return reply.result;
  };
  return { url: server.url, call };
}

/** alice's next transfer with a tip (type 2) or a gas price (legacy), sent to the fake's mempool. */
async function send(
  b: FakeRpcBackend,
  nonce: number,
  fees: { tip: bigint } | { gasPrice: bigint },
  to: "native" | "token" = "native",
): Promise<void> {
  const common = {
    chainId: b.chain.chainId,
    nonce,
    ...(to === "native"
      ? { to: bob.address, value: 1n, gasLimit: 21_000n }
      : {
          to: TOKEN_ADDRESS,
          data: ERC20.encodeFunctionData("transfer", [bob.address, 1n]),
          gasLimit: 60_000n,
        }),
  };
  const raw =
    "tip" in fees
      ? await alice.signTransaction({
          ...common,
          type: 2,
          maxFeePerGas: 10n * GWEI + fees.tip,
          maxPriorityFeePerGas: fees.tip,
        })
      : await alice.signTransaction({ ...common, type: 0, gasPrice: fees.gasPrice });
  const sent = await b.sendRawTransaction(Buffer.from(raw.slice(2), "hex"));
  assert.ok(sent.ok, JSON.stringify(sent));
}

describe("rpc: block 0 is the genesis block", () => {
  it('is served by number, by "earliest" and by hash, and block 1 names it as its parent', async (t) => {
    const b = backend();
    await send(b, 0, { tip: GWEI });
    b.mine();
    b.mine();
    const { url, call } = await serve(t, b);

    const zero = obj(await call("eth_getBlockByNumber", ["0x0", false]));
    assert.equal(zero.number, "0x0");
    assert.equal(zero.hash, GENESIS_BLOCK_HASH);
    assert.equal(zero.parentHash, ZERO_HASH);
    assert.equal(zero.stateRoot, b.genesis.block.header.appHash);
    assert.equal(zero.timestamp, `0x${Math.floor(b.genesis.block.header.time / 1000).toString(16)}`);
    assert.deepEqual(zero.transactions, []);
    assert.deepEqual(obj(await call("eth_getBlockByNumber", ["earliest", false])), zero);
    assert.deepEqual(obj(await call("eth_getBlockByHash", [GENESIS_BLOCK_HASH, false])), zero);
    assert.deepEqual(obj(await call("eth_getBlockByNumber", ["0x0", true])).transactions, []);
    assert.equal(obj(await call("eth_getBlockByNumber", ["0x1", false])).parentHash, zero.hash);
    assert.equal(await call("eth_getBlockTransactionCountByNumber", ["0x0"]), "0x0");
    assert.equal(await call("eth_getBlockTransactionCountByHash", [GENESIS_BLOCK_HASH]), "0x0");
    assert.equal(await call("eth_getTransactionByBlockHashAndIndex", [GENESIS_BLOCK_HASH, "0x0"]), null);
    assert.deepEqual(await call("eth_getBlockReceipts", ["earliest"]), []);
    assert.deepEqual(await call("eth_getLogs", [{ blockHash: GENESIS_BLOCK_HASH }]), []);

    // A log range from 0 covers block 0 and the blocks after it.
    await send(b, 1, { tip: GWEI }, "token");
    b.mine();
    const logs = (await call("eth_getLogs", [{ fromBlock: "0x0", toBlock: "latest" }])) as {
      blockNumber: string;
    }[];
    assert.deepEqual(
      logs.map((l) => l.blockNumber),
      ["0x3"],
    );
    assert.deepEqual(await call("eth_getLogs", [{ fromBlock: "earliest", toBlock: "earliest" }]), []);

    // State at "earliest" is history once block 1 exists, and refused as such.
    const earliest = single(await rpc(url, "eth_getBalance", [alice.address, "earliest"]));
    assert.match(earliest.error?.message ?? "", /historical state is not available/);

    // As the libraries read it.
    const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
    t.after(() => provider.destroy());
    const ethersZero = await provider.getBlock(0);
    assert.equal(ethersZero?.number, 0);
    assert.equal(ethersZero?.hash, GENESIS_BLOCK_HASH);
    assert.equal((await provider.getBlock("earliest"))?.number, 0);
    assert.equal((await provider.getBlock(1))?.parentHash, ethersZero?.hash);
    const viem = createPublicClient({ transport: http(url) });
    const viemZero = await viem.getBlock({ blockNumber: 0n });
    assert.equal(viemZero.number, 0n);
    assert.equal(viemZero.hash, GENESIS_BLOCK_HASH);
    assert.equal(viemZero.stateRoot, b.genesis.block.header.appHash);
    assert.equal((await viem.getBlock({ blockTag: "earliest" })).number, 0n);
    assert.equal(await viem.getBlockTransactionCount({ blockNumber: 0n }), 0);
  });

  it("is the head before the first block: latest, logs and fee history start there", async (t) => {
    const b = backend();
    const { url, call } = await serve(t, b);
    assert.equal(await call("eth_blockNumber"), "0x0");
    assert.equal(obj(await call("eth_getBlockByNumber", ["latest", false])).hash, GENESIS_BLOCK_HASH);
    assert.equal(await call("eth_getBlockByNumber", ["0x1", false]), null);
    assert.deepEqual(await call("eth_getLogs", [{ fromBlock: "earliest" }]), []);
    assert.deepEqual(await call("eth_getBlockReceipts", ["latest"]), []);
    // The latest state is block 0's, so "earliest" is served.
    assert.equal(await call("eth_getBalance", [alice.address, "earliest"]), "0x56bc75e2d63100000");
    assert.deepEqual(obj(await call("eth_feeHistory", ["0x4", "latest", [50]])), {
      oldestBlock: "0x0",
      baseFeePerGas: ["0x3b9aca00", "0x3b9aca00"],
      gasUsedRatio: [0],
      reward: [["0x0"]],
    });
    assert.equal(await call("eth_maxPriorityFeePerGas"), `0x${MIN_SUGGESTED_TIP.toString(16)}`);
    const viem = createPublicClient({ transport: http(url) });
    assert.equal(await viem.getBlockNumber(), 0n);
  });
});

/** A block record with the given (tip, gasUsed, sender) transactions, for the oracle alone. */
function blockWith(txs: { tip: bigint; gasUsed?: bigint; from?: Address }[], proposer: Address): BlockRecord {
  const genesis = genesisBlockRecord({ chainId: 1n, time: 0, appHash: ZERO_HASH, baseFee: GWEI });
  const receipts: Receipt[] = txs.map((tx, i) => ({
    txHash: `0x${(i + 1).toString(16).padStart(64, "0")}` as Hex,
    status: 1,
    gasUsed: tx.gasUsed ?? 21_000n,
    cumulativeGasUsed: 0n,
    effectiveGasPrice: GWEI + tx.tip,
    contractAddress: null,
    from: tx.from ?? addr(alice),
    to: addr(bob),
    logs: [],
  }));
  return { ...genesis, block: { ...genesis.block, header: { ...genesis.block.header, proposer } }, receipts };
}

describe("rpc: fee suggestions", () => {
  const proposer = addr(bob);

  it("suggests geth's 60th percentile of the lowest tips, never below 1 gwei nor above 500 gwei", () => {
    assert.equal(suggestTip([]), MIN_SUGGESTED_TIP);
    assert.equal(
      suggestTip([blockWith([], proposer)]),
      MIN_SUGGESTED_TIP,
      "an idle chain suggests the floor",
    );
    assert.equal(suggestTip([blockWith([{ tip: 0n }, { tip: 1n }], proposer)]), MIN_SUGGESTED_TIP);
    // Samples: the three lowest tips of each block (2, 3, 4 and 5, 6, 7 gwei): the 60th percentile is 5.
    const busy = [
      blockWith(
        [9n, 4n, 2n, 3n].map((g) => ({ tip: g * GWEI })),
        proposer,
      ),
      blockWith(
        [5n, 6n, 7n, 8n].map((g) => ({ tip: g * GWEI })),
        proposer,
      ),
    ];
    assert.equal(suggestTip(busy), 5n * GWEI);
    // A proposer's own cheap transactions say nothing about what others must pay.
    const own = blockWith([{ tip: 0n, from: proposer }, { tip: 8n * GWEI }], proposer);
    assert.equal(suggestTip([own]), 8n * GWEI);
    assert.equal(suggestTip([blockWith([{ tip: 10_000n * GWEI }], proposer)]), MAX_SUGGESTED_TIP);
  });

  it("serves the suggestion in eth_maxPriorityFeePerGas and eth_gasPrice, following new blocks", async (t) => {
    const b = backend();
    const { url, call } = await serve(t, b);
    assert.equal(BigInt(String(await call("eth_maxPriorityFeePerGas"))), MIN_SUGGESTED_TIP);
    assert.equal(BigInt(String(await call("eth_gasPrice"))), MIN_GAS_PRICE + MIN_SUGGESTED_TIP);

    // Every block pays 3 gwei tips: the suggestion follows once the head moves.
    for (let nonce = 0; nonce < 6; nonce++) {
      await send(b, nonce, { tip: 3n * GWEI });
      b.mine();
    }
    assert.equal(BigInt(String(await call("eth_maxPriorityFeePerGas"))), 3n * GWEI);
    assert.equal(BigInt(String(await call("eth_gasPrice"))), MIN_GAS_PRICE + 3n * GWEI);
    // Legacy transactions tip their gas price above the base fee.
    for (let nonce = 6; nonce < 12; nonce++) {
      await send(b, nonce, { gasPrice: MIN_GAS_PRICE + 7n * GWEI });
      b.mine();
    }
    assert.equal(BigInt(String(await call("eth_maxPriorityFeePerGas"))), 7n * GWEI);

    // ethers builds a transaction a speed-up can raise: a non-zero tip within the fee cap.
    const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
    t.after(() => provider.destroy());
    const fees = await provider.getFeeData();
    assert.equal(fees.maxPriorityFeePerGas, 7n * GWEI);
    assert.equal(fees.maxFeePerGas, 2n * MIN_GAS_PRICE + 7n * GWEI);
    const viem = createPublicClient({ transport: http(url) });
    assert.equal(await viem.estimateMaxPriorityFeePerGas(), 7n * GWEI);
  });

  it("reads the last 20 blocks once per head, however many wallets ask at once", async () => {
    const b = backend();
    for (let i = 0; i < 25; i++) b.mine();
    const reads = () => b.calls.filter((c) => c === "getBlockByHeight").length;
    const tips = await Promise.all(Array.from({ length: 5 }, () => suggestedTip(b)));
    assert.deepEqual(tips, Array(5).fill(MIN_SUGGESTED_TIP));
    assert.equal(reads(), FEE_ORACLE_BLOCKS);
    await suggestedTip(b);
    assert.equal(reads(), FEE_ORACLE_BLOCKS, "same head, no new reads");
    b.mine();
    await suggestedTip(b);
    assert.equal(reads(), 2 * FEE_ORACLE_BLOCKS);
  });

  it("reports each block's tips at gas-weighted percentiles in eth_feeHistory, as geth does", async (t) => {
    const b = backend();
    // 21,000 gas at a 1 gwei tip, then 52,000 gas at 3 gwei: the lighter one covers the first 28.8% of the gas.
    await send(b, 0, { tip: GWEI });
    await send(b, 1, { tip: 3n * GWEI }, "token");
    b.mine();
    b.mine();
    const { call } = await serve(t, b);
    const history = obj(await call("eth_feeHistory", ["0x3", "0x2", [0, 25, 28, 29, 50, 100]]));
    assert.equal(history.oldestBlock, "0x0");
    assert.deepEqual(history.reward, [
      ["0x0", "0x0", "0x0", "0x0", "0x0", "0x0"],
      ["0x3b9aca00", "0x3b9aca00", "0x3b9aca00", "0xb2d05e00", "0xb2d05e00", "0xb2d05e00"],
      ["0x0", "0x0", "0x0", "0x0", "0x0", "0x0"],
    ]);
    assert.deepEqual(history.gasUsedRatio, [0, 73_000 / 30_000_000, 0]);
    // The newest block is not the head: the base fee after it is block 3's, not the next block's.
    const older = obj(await call("eth_feeHistory", ["0x1", "0x1", []]));
    assert.deepEqual(older.baseFeePerGas, ["0x3b9aca00", "0x3b9aca00"]);
  });
});
